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
  }

  // Computed when asked rather than kept: a unit's every field lives as long as its task, and
  // 20k tiny tasks submitted at once are 20k units for the garbage collector to copy.

  /**
   * About how many bytes the payload clones to, counting only big values (buffers, long
   * strings); 0 once settled.
   */
  get bytes(): number {
    const payload = this.payload;
    return ArrayBuffer.isView(payload) ? payload.byteLength : Array.isArray(payload) ? sizeOf(payload, this.mode === Mode.Apply ? 1 : 2) : 0;
  }

  /** How many calls it makes: 1 for an `apply`, the chunk's length for a map (1 once settled). */
  get items(): number {
    return this.mode === Mode.Apply || this.payload === undefined ? 1 : Math.max(1, (this.payload as ArrayLike<unknown>).length);
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
  /** Only when there are callbacks or a signal: most tasks have neither. */
  #extras: ApplyExtras<R> | undefined;

  constructor(ledger: UnitLedger, fnId: number, payload: unknown, shared: boolean, result: AsyncResult<R>, callback?: (value: R) => void, errorCallback?: (error: unknown) => void) {
    super(ledger, fnId, Mode.Apply, payload, shared);
    this.#result = result;
    if (callback || errorCallback) this.#extras = { callback, errorCallback, signal: undefined, onAbort: undefined };
  }

  /** Aborting `signal` settles the unit with its reason (a queued unit is never sent). */
  watch(signal: AbortSignal): void {
    const extras = (this.#extras ??= { callback: undefined, errorCallback: undefined, signal: undefined, onAbort: undefined });
    const onAbort = (): void => this.finish(true, signal.reason);
    extras.signal = signal;
    extras.onAbort = onAbort;
    signal.addEventListener('abort', onAbort, { once: true });
  }

  protected override done(failed: boolean, result: unknown): void {
    const extras = this.#extras;
    if (extras === undefined) return settleResult(this.#result, result, result as R, failed);
    if (extras.onAbort) extras.signal!.removeEventListener('abort', extras.onAbort);
    settleResult(this.#result, result, result as R, failed, extras.callback, extras.errorCallback);
  }
}

/** An `apply`'s callbacks and abort signal, with the signal's listener. */
interface ApplyExtras<R> {
  callback: ((value: R) => void) | undefined;
  errorCallback: ((error: unknown) => void) | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
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
