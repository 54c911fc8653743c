import { settleResult, type AsyncResult } from './async-result.js';
import { Mode } from './protocol.js';

/** The pool's bookkeeping, told when a unit settles. */
export interface UnitLedger {
  unitSettled(unit: Unit, wasQueued: boolean): void;
}

/**
 * A task in the pool's hands: one `apply` call or one chunk of a map. A class rather than an
 * object with closures: 100k tasks submitted at once are 100k of these, and the garbage
 * collector's work is most of the cost of a tiny task.
 */
export class Unit {
  /**
   * `queued` in the engine's hands and not started (cancel it by settling it), `sent` handed
   * to a worker (running: see {@link Unit.start}), `done` settled (also when cancelled).
   */
  state: 'queued' | 'sent' | 'done' = 'queued';
  /** Was in flight in a process worker that died: runs alone from now on. */
  suspect = false;
  /** About how many bytes the payload clones to, counting only big values (buffers, long strings). */
  readonly bytes: number;
  /** How many calls it makes: 1 for an `apply`, the chunk's length for a map. */
  readonly items: number;
  readonly #ledger: UnitLedger;
  readonly #onDone: ((failed: boolean, result: unknown) => void) | undefined;

  constructor(
    ledger: UnitLedger,
    readonly fnId: number,
    readonly mode: Mode,
    public payload: unknown,
    readonly shared: boolean,
    onDone?: (failed: boolean, result: unknown) => void,
  ) {
    this.#ledger = ledger;
    this.#onDone = onDone;
    this.items = mode === Mode.Apply ? 1 : Math.max(1, (payload as ArrayLike<unknown>).length);
    this.bytes = ArrayBuffer.isView(payload) ? payload.byteLength : Array.isArray(payload) ? sizeOf(payload, mode === Mode.Apply ? 1 : 2) : 0;
  }

  /**
   * The engine hands the unit to a worker: from now on it counts as running and can no
   * longer be cancelled. A subclass that must know (an executor's future) extends it.
   */
  start(): void {
    this.state = 'sent';
  }

  /** Settles the unit once: `failed` says whether `result` is an error. */
  finish(failed: boolean, result: unknown): void {
    if (this.state === 'done') return;
    const wasQueued = this.state === 'queued';
    this.state = 'done';
    this.payload = undefined;
    this.#ledger.unitSettled(this, wasQueued);
    this.done(failed, result);
  }

  protected done(failed: boolean, result: unknown): void {
    this.#onDone?.(failed, result);
  }
}

/** The unit of an `applyAsync`: settles its `AsyncResult` after the callbacks. @internal */
export class ApplyUnit<R> extends Unit {
  readonly #result: AsyncResult<R>;
  readonly #callback: ((value: R) => void) | undefined;
  readonly #errorCallback: ((error: unknown) => void) | undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;

  constructor(ledger: UnitLedger, fnId: number, payload: unknown, shared: boolean, result: AsyncResult<R>, callback?: (value: R) => void, errorCallback?: (error: unknown) => void) {
    super(ledger, fnId, Mode.Apply, payload, shared);
    this.#result = result;
    this.#callback = callback;
    this.#errorCallback = errorCallback;
  }

  /** Aborting `signal` settles the unit with its reason (a queued unit is never sent). */
  watch(signal: AbortSignal): void {
    this.#signal = signal;
    this.#onAbort = () => this.finish(true, signal.reason);
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  protected override done(failed: boolean, result: unknown): void {
    if (this.#onAbort) this.#signal!.removeEventListener('abort', this.#onAbort);
    settleResult(this.#result, result, result as R, failed, this.#callback, this.#errorCallback);
  }
}

/** The bytes of the buffers and long strings among `values`, looking `depth` levels down. */
function sizeOf(values: unknown[], depth: number): number {
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'string') {
      if (value.length > 1024) bytes += value.length;
    } else if (typeof value === 'object' && value !== null) {
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) bytes += value.byteLength;
      else if (depth > 1 && Array.isArray(value)) bytes += sizeOf(value, depth - 1);
    }
  }
  return bytes;
}
