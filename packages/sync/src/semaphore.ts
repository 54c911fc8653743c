import { StateError, type WaitOptions } from '@conc/core';
import {
  HEADER_WORDS,
  parseWait,
  registerKind,
  toDescriptor,
  trace,
  traceChannel,
  typeName,
  waitAsync,
  waitSync,
  wake,
  type SharedBlock,
  type SharedDescriptor,
} from '@conc/core/internal';
import { blockFields, reviveOver, takeBlock } from './revival.js';
import { makeGuard, runWith, type Guard } from './scoped.js';

const KIND = '@conc/sync:Semaphore';
/** Permits available; waiters sleep on it while it is 0. */
const VALUE = HEADER_WORDS;
/**
 * Threads sleeping on VALUE, so that release skips the notify when nobody waits. A thread
 * terminated mid-wait never decrements it: the count can only be too high, which costs a spare
 * notify per release and never loses a wake-up.
 */
const WAITERS = HEADER_WORDS + 1;
/** The bound of a BoundedSemaphore (its initial value); -1 for a plain Semaphore. */
const BOUND = HEADER_WORDS + 2;
const WORDS = HEADER_WORDS + 3;

/**
 * A counting semaphore in shared memory: Python's `threading.Semaphore`. `acquire` takes one
 * permit, waiting while there are none; `release(n)` gives back `n` and wakes up to `n`
 * waiters. A permit is never lost: a wait that times out or is aborted takes nothing.
 *
 * @example
 * ```ts
 * import { Semaphore } from '@conc/sync';
 * const slots = new Semaphore(2);
 * await slots.acquire();
 * console.log(slots.value); // 1
 * console.log(slots.acquireSync({ blocking: false }), slots.acquireSync({ blocking: false })); // true false
 * slots.release(2);
 * console.log(slots.value); // 2
 * ```
 */
export class Semaphore {
  /** @internal */
  readonly _block: SharedBlock;
  /** @internal */
  readonly _i32: Int32Array;

  /**
   * Creates a semaphore holding `value` permits.
   * @param value - The initial number of permits: an integer from 0 to 2^31 - 1; default 1.
   * @throws TypeError/RangeError for any other value.
   */
  constructor(value = 1) {
    const { block, fresh } = takeBlock(KIND, WORDS * 4);
    this._block = block;
    this._i32 = block.i32;
    if (fresh) {
      const name = new.target.name || 'Semaphore';
      if (typeof value !== 'number') throw new TypeError(`${name}: value must be an integer number of permits >= 0, got ${typeName(value)}`);
      if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new RangeError(`${name}: value must be an integer >= 0 (and < 2^31), got ${value}`);
      this._i32[VALUE] = value;
      this._i32[BOUND] = -1;
    }
  }

  /** The number of permits available right now. */
  get value(): number {
    return Atomics.load(this._i32, VALUE);
  }

  /**
   * Takes one permit, waiting without blocking the event loop while there is none.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns A promise of `true` once a permit is taken, `false` when the timeout passed first.
   * @throws (rejects) TypeError/RangeError for bad options; the signal's reason on abort (no permit taken).
   */
  async acquire(opts?: number | WaitOptions): Promise<boolean> {
    const { deadline, signal } = parseWait(opts, `${this._name()}.acquire`);
    if (signal?.aborted) throw signal.reason;
    for (let waiting = false; ; waiting = true) {
      if (this._take()) return true;
      if (!waiting && traceChannel.hasSubscribers) trace('wait', this._name(), this._i32[1]!);
      if ((await waitAsync(this._i32, VALUE, 0, deadline, signal, WAITERS)) === 'timed-out') return this._take();
    }
  }

  /**
   * Takes one permit, blocking the calling thread while there is none.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns `true` once a permit is taken, `false` when the timeout passed first.
   * @throws TypeError/RangeError for bad options; the signal's reason when it is already aborted.
   */
  acquireSync(opts?: number | WaitOptions): boolean {
    const { deadline, signal } = parseWait(opts, `${this._name()}.acquireSync`);
    if (signal?.aborted) throw signal.reason;
    for (let waiting = false; ; waiting = true) {
      if (this._take()) return true;
      if (!waiting && traceChannel.hasSubscribers) trace('wait', this._name(), this._i32[1]!);
      if (waitSync(this._i32, VALUE, 0, deadline, WAITERS) === 'timed-out') return this._take();
    }
  }

  /**
   * Gives back `n` permits and wakes up to `n` waiting threads.
   * @param n - How many permits: an integer >= 1; default 1.
   * @throws RangeError for `n < 1` or not an integer; StateError when a `BoundedSemaphore`
   *   would go above its initial value (then nothing is released).
   */
  release(n = 1): void {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      throw new RangeError(`${this._name()}.release: n must be an integer >= 1, got ${typeName(n)}`);
    }
    const bound = this._i32[BOUND]!;
    for (;;) {
      const value = Atomics.load(this._i32, VALUE);
      if (bound >= 0 ? value + n > bound : value + n > 0x7fffffff) {
        if (bound >= 0) throw new StateError(`${this._name()}.release: semaphore released too many times (value ${value} + ${n} > initial value ${bound})`);
        throw new RangeError(`${this._name()}.release: value ${value} + ${n} exceeds 2^31 - 1 permits`);
      }
      if (Atomics.compareExchange(this._i32, VALUE, value, value + n) === value) break;
    }
    wake(this._i32, VALUE, n, WAITERS);
    if (traceChannel.hasSubscribers) trace('release', this._name(), this._i32[1]!, { n });
  }

  /**
   * Takes a permit, runs `fn` and gives the permit back, also when `fn` throws.
   * @param fn - The work to do holding a permit; may be async.
   * @param opts - How long to wait for a permit.
   * @returns A promise of what `fn` returned.
   * @throws (rejects) TimeoutError when no permit came in time; what `fn` threw.
   */
  with<T>(fn: () => T | Promise<T>, opts?: number | WaitOptions): Promise<T> {
    return runWith(this, this._name(), fn, opts);
  }

  /**
   * Takes a permit and returns a guard that gives it back when disposed.
   * @param opts - How long to wait for a permit.
   * @returns A promise of the guard.
   * @throws (rejects) TimeoutError when no permit came in time.
   */
  guard(opts?: number | WaitOptions): Promise<Guard> {
    return makeGuard(this, this._name(), opts);
  }

  private _take(): boolean {
    for (;;) {
      const value = Atomics.load(this._i32, VALUE);
      if (value <= 0) return false;
      if (Atomics.compareExchange(this._i32, VALUE, value, value - 1) === value) {
        if (traceChannel.hasSubscribers) trace('acquire', this._name(), this._i32[1]!);
        return true;
      }
    }
  }

  /** @internal */
  _name(): string {
    return 'Semaphore';
  }

  /** @internal */
  [toDescriptor](): SharedDescriptor {
    return { kind: KIND, ...blockFields(this._block) };
  }
}

registerKind(KIND, {
  revive: (descriptor) => reviveOver(KIND, descriptor, () => new Semaphore()),
  syncMethods: ['acquireSync', 'release'],
});

const BOUNDED_KIND = '@conc/sync:BoundedSemaphore';

/**
 * A semaphore that refuses to go above its initial value: Python's
 * `threading.BoundedSemaphore`. Releasing more than was acquired is a `StateError`, which
 * catches a release without a matching acquire.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from '@conc/sync';
 * const pool = new BoundedSemaphore(1);
 * try {
 *   pool.release();
 * } catch (error) {
 *   console.log((error as Error).name); // 'StateError'
 * }
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /**
   * Creates a bounded semaphore holding `value` permits, which is also its maximum.
   * @param value - The initial and maximum number of permits: an integer from 0 to 2^31 - 1; default 1.
   * @throws TypeError/RangeError for any other value.
   */
  constructor(value = 1) {
    super(value);
    // A revived one already has its bound; a new one is bounded by its initial value.
    if (this._i32[BOUND] === -1) this._i32[BOUND] = value;
  }

  /** @internal */
  override _name(): string {
    return 'BoundedSemaphore';
  }

  /** @internal */
  override [toDescriptor](): SharedDescriptor {
    return { kind: BOUNDED_KIND, ...blockFields(this._block) };
  }
}

registerKind(BOUNDED_KIND, {
  revive: (descriptor) => reviveOver(KIND, descriptor, () => new BoundedSemaphore()),
  syncMethods: ['acquireSync', 'release'],
});
