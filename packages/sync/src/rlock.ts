import { StateError, type WaitOptions } from '@conc/core';
import {
  HEADER_WORDS, lockAsync, lockSync, parseWait, registerKind, threadIdentity, toDescriptor, trace, traceChannel, tryLock, unlock, type SharedBlock, type SharedDescriptor,
} from '@conc/core/internal';
import { blockFields, reviveOver, takeBlock } from './revival.js';
import { makeGuard, runWith, type Guard } from './scoped.js';

const KIND = '@conc/sync:RLock';
const STATE = HEADER_WORDS;
const OWNER = HEADER_WORDS + 1;
const COUNT = HEADER_WORDS + 2;

/**
 * A re-entrant lock in shared memory: Python's `threading.RLock`. The thread holding it may
 * acquire it again; it is free once released as many times as it was acquired.
 *
 * Ownership is per thread (worker thread or, with @conc/process, a thread of another
 * process): releasing it from a thread that does not hold it is a `StateError`. Like `Lock`,
 * it is unfair. A lock held by a thread that died is taken over by a waiter (see `Lock`), with a
 * trace event `abandoned`; Python would leave it held forever.
 *
 * @example
 * ```ts
 * import { RLock } from '@conc/sync';
 * const lock = new RLock();
 * lock.acquireSync();
 * lock.acquireSync(); // the owner may take it again
 * lock.release();
 * console.log(lock.locked()); // true: acquired twice, released once
 * lock.release();
 * console.log(lock.locked()); // false
 * ```
 */
export class RLock {
  /** @internal */
  readonly _block: SharedBlock;
  /** @internal */
  readonly _i32: Int32Array;

  /** Creates an unlocked re-entrant lock. */
  constructor() {
    this._block = takeBlock(KIND, (HEADER_WORDS + 3) * 4).block;
    this._i32 = this._block.i32;
  }

  /** Publishes that this thread is about to sleep waiting for the lock. @internal */
  readonly _traceWait = (): void => trace('wait', 'RLock', this._i32[1]!);

  /** Runs holding the lock taken over from a dead holder (the new owner sets OWNER and COUNT). @internal */
  readonly _takeover = (holder: number): void => {
    trace('abandoned', 'RLock', this._i32[1]!, { holder, reason: 'holder exited' });
  };

  /**
   * Acquires the lock (again, if this thread holds it), waiting without blocking the event loop.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns A promise of `true` once held, `false` when the timeout passed first.
   * @throws (rejects) TypeError/RangeError for bad options; the signal's reason when it aborts.
   */
  async acquire(opts?: number | WaitOptions): Promise<boolean> {
    const id = threadIdentity();
    const { deadline, signal } = parseWait(opts, 'RLock.acquire');
    if (signal?.aborted) throw signal.reason;
    if (this._reenter(id)) return true;
    if (!tryLock(this._i32, STATE) && !(await lockAsync(this._i32, STATE, deadline, signal, traceChannel.hasSubscribers ? this._traceWait : undefined, this._takeover))) return false;
    this._own(id, 1);
    return true;
  }

  /**
   * Acquires the lock (again, if this thread holds it), blocking the calling thread while it waits.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns `true` once held, `false` when the timeout passed first.
   * @throws TypeError/RangeError for bad options; the signal's reason when it is already aborted.
   */
  acquireSync(opts?: number | WaitOptions): boolean {
    const id = threadIdentity();
    const { deadline, signal } = parseWait(opts, 'RLock.acquireSync');
    if (signal?.aborted) throw signal.reason;
    if (this._reenter(id)) return true;
    if (!lockSync(this._i32, STATE, deadline, traceChannel.hasSubscribers ? this._traceWait : undefined, this._takeover)) return false;
    this._own(id, 1);
    return true;
  }

  /**
   * Releases one level of ownership; the lock is free when every acquire has been released.
   * @throws StateError when the calling thread does not hold the lock.
   */
  release(): void {
    const id = threadIdentity();
    if (Atomics.load(this._i32, OWNER) !== id) {
      throw new StateError(Atomics.load(this._i32, STATE) === 0 ? 'RLock.release: cannot release un-acquired lock' : 'RLock.release: cannot release a lock held by another thread');
    }
    const count = Atomics.sub(this._i32, COUNT, 1) - 1;
    if (count > 0) return;
    Atomics.store(this._i32, OWNER, 0);
    unlock(this._i32, STATE);
    if (traceChannel.hasSubscribers) trace('release', 'RLock', this._i32[1]!);
  }

  /** @returns Whether some thread holds the lock right now. */
  locked(): boolean {
    return Atomics.load(this._i32, STATE) !== 0;
  }

  /**
   * Acquires the lock, runs `fn` and releases it, also when `fn` throws (Python's `with`).
   * @param fn - The work to do while holding the lock; may be async.
   * @param opts - How long to wait for the lock.
   * @returns A promise of what `fn` returned.
   * @throws (rejects) TimeoutError when the lock could not be acquired in time; what `fn` threw.
   */
  with<T>(fn: () => T | Promise<T>, opts?: number | WaitOptions): Promise<T> {
    return runWith(this, 'RLock', fn, opts);
  }

  /**
   * Acquires the lock and returns a guard that releases it when disposed.
   * @param opts - How long to wait for the lock.
   * @returns A promise of the guard.
   * @throws (rejects) TimeoutError when the lock could not be acquired in time.
   */
  guard(opts?: number | WaitOptions): Promise<Guard> {
    return makeGuard(this, 'RLock', opts);
  }

  private _reenter(id: number): boolean {
    if (Atomics.load(this._i32, OWNER) !== id) return false;
    Atomics.add(this._i32, COUNT, 1);
    return true;
  }

  private _own(id: number, count: number): void {
    Atomics.store(this._i32, OWNER, id);
    Atomics.store(this._i32, COUNT, count);
    if (traceChannel.hasSubscribers) trace('acquire', 'RLock', this._i32[1]!);
  }

  /** @internal */
  _isOwned(id: number): boolean {
    return Atomics.load(this._i32, OWNER) === id;
  }

  /** Releases every level at once, for `Condition.wait`; returns the count to restore. @internal */
  _saveRelease(_id: number): number {
    const count = Atomics.exchange(this._i32, COUNT, 0);
    Atomics.store(this._i32, OWNER, 0);
    unlock(this._i32, STATE);
    return count;
  }

  /** @internal */
  _restoreSync(id: number, saved: number): void {
    lockSync(this._i32, STATE, Infinity, undefined, this._takeover);
    this._own(id, saved);
  }

  /** @internal */
  async _restore(id: number, saved: number): Promise<void> {
    await lockAsync(this._i32, STATE, Infinity, undefined, undefined, this._takeover);
    this._own(id, saved);
  }

  /** @internal */
  [toDescriptor](): SharedDescriptor {
    return { kind: KIND, ...blockFields(this._block) };
  }
}

registerKind(KIND, {
  revive: (descriptor) => reviveOver(KIND, descriptor, () => new RLock()),
  syncMethods: ['acquireSync', 'release', 'locked'],
});
