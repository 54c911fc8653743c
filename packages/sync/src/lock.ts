import { StateError, type WaitOptions } from '@conc/core';
import {
  HEADER_WORDS,
  holderOf,
  isGone,
  lockAsync,
  lockContended,
  lockSync,
  parseWait,
  registerKind,
  toDescriptor,
  trace,
  traceChannel,
  tryLock,
  unlock,
  type SharedBlock,
  type SharedDescriptor,
} from '@conc/core/internal';
import { blockFields, reviveOver, takeBlock } from './revival.js';
import { makeGuard, runWith, type Guard } from './scoped.js';

const KIND = '@conc/sync:Lock';
const STATE = HEADER_WORDS;

/**
 * A mutual-exclusion lock in shared memory: Python's `threading.Lock` and
 * `multiprocessing.Lock`, working across worker threads and processes.
 *
 * It has no owner: any thread may release it, as in Python. It is unfair, as CPython's: a thread
 * that arrives just as the lock is released may take it before a sleeping waiter wakes, which
 * is what keeps it fast under contention. The uncontended path is one compare-and-swap to
 * acquire and one to release.
 *
 * A lock whose holder died (a `Thread` or pool worker that ended holding it, however it ended:
 * an error, `process.exit`, `terminate()`, out of memory; a `Process` child through its
 * broker) does not wedge: within a second of the holder's parent seeing the exit, a waiter
 * takes it over (a trace event `abandoned` says so). Python would leave it held forever.
 *
 * Pass it to another thread (a `Thread`'s args, a queue item, `postMessage` after
 * `prepare`): both sides then act on the same lock.
 *
 * @example
 * ```ts
 * import { Lock } from '@conc/sync';
 * const lock = new Lock();
 * await lock.with(() => {
 *   console.log(lock.locked()); // true
 * });
 * console.log(lock.acquireSync({ blocking: false })); // true
 * lock.release();
 * ```
 */
export class Lock {
  /** @internal */
  readonly _block: SharedBlock;
  /** @internal */
  readonly _i32: Int32Array;

  /** Creates an unlocked lock. */
  constructor() {
    this._block = takeBlock(KIND, (HEADER_WORDS + 1) * 4).block;
    this._i32 = this._block.i32;
  }

  /**
   * Acquires the lock, waiting without blocking the event loop.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns A promise of `true` once the lock is held, `false` when the timeout passed first.
   * @throws (rejects) TypeError/RangeError for bad options; the signal's reason when it aborts
   *   (the lock is then not held).
   */
  async acquire(opts?: number | WaitOptions): Promise<boolean> {
    const { deadline, signal } = parseWait(opts, 'Lock.acquire');
    if (signal?.aborted) throw signal.reason;
    // The free lock is taken here, without the nested async call (half the cost of the path).
    const got = tryLock(this._i32, STATE) || (await lockAsync(this._i32, STATE, deadline, signal, traceChannel.hasSubscribers ? this._traceWait : undefined, this._takeover));
    if (got && traceChannel.hasSubscribers) trace('acquire', 'Lock', this._i32[1]!);
    return got;
  }

  /**
   * Acquires the lock, blocking the calling thread while it waits (meant for worker threads).
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns `true` once the lock is held, `false` when the timeout passed first.
   * @throws TypeError/RangeError for bad options; the signal's reason when it is already aborted.
   */
  acquireSync(opts?: number | WaitOptions): boolean {
    // The plain call: one compare-and-swap on a free lock, and no second one when it is held.
    if (opts === undefined) {
      if (!tryLock(this._i32, STATE)) lockContended(this._i32, STATE, Infinity, traceChannel.hasSubscribers ? this._traceWait : undefined, this._takeover);
      if (traceChannel.hasSubscribers) trace('acquire', 'Lock', this._i32[1]!);
      return true;
    }
    const { deadline, signal } = parseWait(opts, 'Lock.acquireSync');
    if (signal?.aborted) throw signal.reason;
    const got = lockSync(this._i32, STATE, deadline, traceChannel.hasSubscribers ? this._traceWait : undefined, this._takeover);
    if (got && traceChannel.hasSubscribers) trace('acquire', 'Lock', this._i32[1]!);
    return got;
  }

  /**
   * Releases the lock. Any thread may release it, not only the one that acquired it.
   * @throws StateError when the lock is not held.
   */
  release(): void {
    if (!unlock(this._i32, STATE)) throw new StateError('Lock.release: release unlocked lock');
    if (traceChannel.hasSubscribers) trace('release', 'Lock', this._i32[1]!);
  }

  /** @returns Whether some thread holds the lock right now. */
  locked(): boolean {
    return Atomics.load(this._i32, STATE) !== 0;
  }

  /**
   * Acquires the lock, runs `fn` and releases the lock, also when `fn` throws (Python's `with`).
   * @param fn - The work to do while holding the lock; may be async.
   * @param opts - How long to wait for the lock.
   * @returns A promise of what `fn` returned.
   * @throws (rejects) TimeoutError when the lock could not be acquired in time; what `fn` threw.
   */
  with<T>(fn: () => T | Promise<T>, opts?: number | WaitOptions): Promise<T> {
    return runWith(this, 'Lock', fn, opts);
  }

  /**
   * Acquires the lock and returns a guard that releases it when disposed:
   * `using held = await lock.guard()`.
   * @param opts - How long to wait for the lock.
   * @returns A promise of the guard.
   * @throws (rejects) TimeoutError when the lock could not be acquired in time.
   */
  guard(opts?: number | WaitOptions): Promise<Guard> {
    return makeGuard(this, 'Lock', opts);
  }

  // What a Condition needs from its lock. A Lock has no owner, so "owned" can only mean
  // "held by someone" (CPython's Condition makes the same approximation for Lock).

  /** Publishes that this thread is about to sleep waiting for the lock. @internal */
  readonly _traceWait = (): void => trace('wait', 'Lock', this._i32[1]!);

  /**
   * What owns this lock inside another object (a queue's), to repair what a holder that died
   * left half-done: runs holding the lock, right after a waiter took it over. @internal
   */
  _repair: (() => void) | undefined;
  /** The kind and id the `abandoned` event names (the owning object's, for an internal lock). @internal */
  _traceAs: { kind: string; id: number } | undefined;

  /** Runs holding the lock taken over from a dead holder. @internal */
  readonly _takeover = (holder: number): void => {
    const as = this._traceAs;
    trace('abandoned', as?.kind ?? 'Lock', as?.id ?? this._i32[1]!, { holder, reason: 'holder exited' });
    this._repair?.();
  };

  /** @internal */
  _isOwned(_id: number): boolean {
    return this.locked();
  }

  /** @internal */
  _saveRelease(_id: number): number {
    this.release();
    return 1;
  }

  /** @internal */
  _restoreSync(_id: number, _saved: number): void {
    lockSync(this._i32, STATE, Infinity, undefined, this._takeover);
  }

  /** @internal */
  async _restore(_id: number, _saved: number): Promise<void> {
    await lockAsync(this._i32, STATE, Infinity, undefined, undefined, this._takeover);
  }

  /** @internal */
  _tryLock(): boolean {
    return tryLock(this._i32, STATE);
  }

  /** Whether the lock is held by a thread that is gone (the next waiter will take it over). @internal */
  _abandoned(): boolean {
    const holder = holderOf(this._i32, STATE);
    return holder !== 0 && isGone(holder);
  }

  /** Takes the lock by `deadline` (a `performance.now()` time): how the queues take their own locks. @internal */
  _lockSync(deadline: number): boolean {
    const got = lockSync(this._i32, STATE, deadline, traceChannel.hasSubscribers ? this._traceWait : undefined, this._takeover);
    if (got && traceChannel.hasSubscribers) trace('acquire', 'Lock', this._i32[1]!);
    return got;
  }

  /** The async form of {@link Lock._lockSync}; rejects with the signal's reason on abort, holding nothing. @internal */
  async _lockAsync(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    const got = tryLock(this._i32, STATE) || (await lockAsync(this._i32, STATE, deadline, signal, traceChannel.hasSubscribers ? this._traceWait : undefined, this._takeover));
    if (got && traceChannel.hasSubscribers) trace('acquire', 'Lock', this._i32[1]!);
    return got;
  }

  /** @internal */
  [toDescriptor](): SharedDescriptor {
    return { kind: KIND, ...blockFields(this._block) };
  }
}

// Registered outside the class: esbuild renames a class whose static block refers to it
// (`_Lock`), and that name would show in messages and in the console.
registerKind(KIND, {
  revive: (descriptor) => reviveOver(KIND, descriptor, () => new Lock()),
  syncMethods: ['acquireSync', 'release', 'locked'],
});

