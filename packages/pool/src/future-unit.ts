import { CancelledError } from '@conc/core';
import { Future, settleFuture, type FutureTask } from './future.js';
import type { Mode } from './protocol.js';
import { Unit, type UnitLedger } from './unit.js';

/**
 * The unit of an executor's task: settles its {@link Future}. It is the future's way into the
 * engine: the task has started once the engine handed it to a worker (`unit.start()`), and
 * cancelling it before that is settling it, which the engine honours by never running it.
 * @internal
 */
export class FutureUnit<R> extends Unit implements FutureTask {
  readonly future: Future<R>;

  constructor(ledger: UnitLedger, fnId: number, mode: Mode, payload: unknown, shared: boolean) {
    super(ledger, fnId, mode, payload, shared);
    this.future = new Future<R>(this);
  }

  started(): boolean {
    return this.state !== 'queued';
  }

  cancel(): boolean {
    if (this.state !== 'queued') return false;
    this.finish(true, new CancelledError('the future was cancelled'));
    return true;
  }

  protected override done(failed: boolean, result: unknown): void {
    settleFuture(this.future, failed, result);
  }
}
