import { StateError, type WaitOptions } from '@conc/core';
import {
  HEADER_WORDS,
  parseWait,
  registerKind,
  reviveDescriptor,
  threadIdentity,
  toDescriptor,
  trace,
  traceChannel,
  typeName,
  waitAsync,
  waitSync,
  type SharedBlock,
  type SharedDescriptor,
} from '@conc/core/internal';
import { Lock } from './lock.js';
import { blockFields, reviveOver, takeBlock } from './revival.js';
import { RLock } from './rlock.js';
import { makeGuard, runWith, type Guard } from './scoped.js';

const KIND = '@conc/sync:Condition';
/** Waiters registered and not yet notified; changed only under the condition's lock. */
const WAITING = HEADER_WORDS;
/** Notifications handed out and not yet taken; waiters sleep on this word while it is 0. */
const TOKENS = HEADER_WORDS + 1;

/**
 * A condition variable in shared memory: Python's `threading.Condition`. Threads holding its
 * lock wait until another thread changes some shared state and calls {@link Condition.notify}.
 *
 * `new Condition()` makes its own `RLock`; `new Condition(lock)` shares an existing `Lock` or
 * `RLock` (several conditions over one lock, as `queue.Queue` does). Waiting and notifying
 * require holding the lock.
 *
 * `notify(n)` wakes at most `n` waiters, never more; a woken waiter may find that another
 * thread already took what it waited for, so wait in a loop, or use {@link Condition.waitFor}.
 * Which of several waiters a notification wakes is not specified (Python says not to rely on
 * its order either). `notify` costs one atomic read when nobody waits.
 *
 * @example
 * ```ts
 * import { Condition } from '@conc/sync';
 * const ready = new Condition();
 * let done = false;
 * setTimeout(() => void ready.with(() => { done = true; ready.notifyAll(); }), 10);
 * await ready.with(() => ready.waitFor(() => done, 1000));
 * console.log(done); // true
 * ```
 */
export class Condition {
  /** @internal */
  readonly _block: SharedBlock;
  /** @internal */
  readonly _i32: Int32Array;
  /** @internal */
  readonly _lock: Lock | RLock;

  /**
   * Creates a condition over `lock`, or over a new `RLock` when none is given.
   * @param lock - The `Lock` or `RLock` guarding the shared state.
   * @throws TypeError when `lock` is neither.
   */
  constructor(lock?: Lock | RLock) {
    this._block = takeBlock(KIND, (HEADER_WORDS + 2) * 4).block;
    if (lock !== undefined && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw new TypeError(`Condition: lock must be a Lock or an RLock (or omitted for a new RLock), got ${typeName(lock)}`);
    }
    this._i32 = this._block.i32;
    this._lock = lock ?? new RLock();
  }

  /**
   * Acquires the underlying lock, waiting without blocking the event loop.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`.
   * @returns A promise of `true` once held, `false` on timeout.
   * @throws (rejects) TypeError/RangeError for bad options; the signal's reason on abort.
   */
  acquire(opts?: number | WaitOptions): Promise<boolean> {
    return this._lock.acquire(opts);
  }

  /**
   * Acquires the underlying lock, blocking the calling thread.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`.
   * @returns `true` once held, `false` on timeout.
   * @throws TypeError/RangeError for bad options.
   */
  acquireSync(opts?: number | WaitOptions): boolean {
    return this._lock.acquireSync(opts);
  }

  /**
   * Releases the underlying lock.
   * @throws StateError when it is not held (by this thread, for an `RLock`).
   */
  release(): void {
    this._lock.release();
  }

  /**
   * Runs `fn` holding the underlying lock (Python's `with cond:`).
   * @param fn - The work to do; may be async.
   * @param opts - How long to wait for the lock.
   * @returns A promise of what `fn` returned.
   * @throws (rejects) TimeoutError when the lock could not be acquired in time.
   */
  with<T>(fn: () => T | Promise<T>, opts?: number | WaitOptions): Promise<T> {
    return runWith(this, 'Condition', fn, opts);
  }

  /**
   * Acquires the underlying lock and returns a guard that releases it when disposed.
   * @param opts - How long to wait for the lock.
   * @returns A promise of the guard.
   * @throws (rejects) TimeoutError when the lock could not be acquired in time.
   */
  guard(opts?: number | WaitOptions): Promise<Guard> {
    return makeGuard(this, 'Condition', opts);
  }

  /**
   * Releases the lock, waits until notified (or the timeout passes), then holds the lock again
   * before returning, also on timeout and on abort. Does not block the event loop.
   * @param opts - A timeout in milliseconds, or `{ timeout?, signal? }`; waits forever by default.
   * @returns A promise of `true` when notified, `false` when the timeout passed.
   * @throws (rejects) StateError when the lock is not held; the signal's reason on abort (the
   *   lock is held again by then).
   */
  async wait(opts?: number | WaitOptions): Promise<boolean> {
    const id = threadIdentity();
    const { deadline, signal } = parseWait(opts, 'Condition.wait');
    this._checkOwned(id, 'wait');
    return this._waitAsync(id, deadline, signal);
  }

  /**
   * The blocking form of {@link Condition.wait}.
   * @param opts - A timeout in milliseconds, or `{ timeout?, signal? }`; waits forever by default.
   * @returns `true` when notified, `false` when the timeout passed.
   * @throws StateError when the lock is not held; the signal's reason when it is already aborted.
   */
  waitSync(opts?: number | WaitOptions): boolean {
    const id = threadIdentity();
    const { deadline, signal } = parseWait(opts, 'Condition.waitSync');
    this._checkOwned(id, 'waitSync');
    return this._waitSync(id, deadline, signal);
  }

  /**
   * Waits until `predicate()` is true (checked first, then after each wake-up), or the timeout
   * passes. The timeout covers the whole call.
   * @param predicate - Called holding the lock; may return a promise.
   * @param opts - A timeout in milliseconds, or `{ timeout?, signal? }`.
   * @returns A promise of the predicate's last result, as a boolean.
   * @throws (rejects) TypeError when `predicate` is not a function; StateError when the lock is not held.
   */
  async waitFor(predicate: () => unknown, opts?: number | WaitOptions): Promise<boolean> {
    const id = threadIdentity();
    checkPredicate(predicate, 'waitFor');
    const { deadline, signal } = parseWait(opts, 'Condition.waitFor');
    this._checkOwned(id, 'waitFor');
    for (;;) {
      if (await predicate()) return true;
      if (deadline !== Infinity && deadline <= performance.now()) return false;
      await this._waitAsync(id, deadline, signal);
    }
  }

  /**
   * The blocking form of {@link Condition.waitFor}.
   * @param predicate - Called holding the lock; must return synchronously.
   * @param opts - A timeout in milliseconds, or `{ timeout?, signal? }`.
   * @returns The predicate's last result, as a boolean.
   * @throws TypeError when `predicate` is not a function; StateError when the lock is not held.
   */
  waitForSync(predicate: () => unknown, opts?: number | WaitOptions): boolean {
    const id = threadIdentity();
    checkPredicate(predicate, 'waitForSync');
    const { deadline, signal } = parseWait(opts, 'Condition.waitForSync');
    this._checkOwned(id, 'waitForSync');
    for (;;) {
      if (predicate()) return true;
      if (deadline !== Infinity && deadline <= performance.now()) return false;
      this._waitSync(id, deadline, signal);
    }
  }

  /**
   * Wakes up to `n` threads waiting on this condition; never more. The caller must hold the lock.
   * @param n - How many waiters to wake at most: an integer >= 0 (or `Infinity`).
   * @throws StateError when the lock is not held; RangeError for a bad `n`.
   */
  notify(n = 1): void {
    if (!(n === Infinity || (Number.isInteger(n) && n >= 0))) {
      throw new RangeError(`Condition.notify: n must be an integer >= 0 (or Infinity), got ${typeName(n)}`);
    }
    this._checkOwned(threadIdentity(), 'notify');
    const waiting = Atomics.load(this._i32, WAITING);
    if (waiting === 0 || n === 0) return;
    const count = Math.min(n, waiting);
    Atomics.sub(this._i32, WAITING, count);
    Atomics.add(this._i32, TOKENS, count);
    Atomics.notify(this._i32, TOKENS, count);
    if (traceChannel.hasSubscribers) trace('notify', 'Condition', this._i32[1]!, { count });
  }

  /**
   * Wakes every thread waiting on this condition. The caller must hold the lock.
   * @throws StateError when the lock is not held.
   */
  notifyAll(): void {
    this.notify(Infinity);
  }

  private _checkOwned(id: number, what: string): void {
    if (!this._lock._isOwned(id)) throw new StateError(`Condition.${what}: cannot ${what.startsWith('notify') ? 'notify' : 'wait'} on un-acquired lock`);
  }

  private async _waitAsync(id: number, deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted) throw signal.reason;
    const saved = this._enter(id);
    let notified = false;
    let failure: { error: unknown } | undefined;
    try {
      for (;;) {
        if (this._takeToken()) {
          notified = true;
          break;
        }
        if ((await waitAsync(this._i32, TOKENS, 0, deadline, signal)) === 'timed-out') {
          // A notification that arrived as the time ran out is ours: taking it and reporting a
          // timeout would also take this waiter off the count and strand another one.
          notified = this._takeToken();
          break;
        }
      }
    } catch (error) {
      failure = { error };
    }
    await this._lock._restore(id, saved);
    return this._leave(notified, failure);
  }

  private _waitSync(id: number, deadline: number, signal: AbortSignal | undefined): boolean {
    if (signal?.aborted) throw signal.reason;
    const saved = this._enter(id);
    let notified = false;
    for (;;) {
      if (this._takeToken()) {
        notified = true;
        break;
      }
      if (waitSync(this._i32, TOKENS, 0, deadline) === 'timed-out') {
        notified = this._takeToken();
        break;
      }
    }
    this._lock._restoreSync(id, saved);
    return this._leave(notified, undefined);
  }

  private _enter(id: number): number {
    Atomics.add(this._i32, WAITING, 1);
    if (traceChannel.hasSubscribers) trace('wait', 'Condition', this._i32[1]!);
    return this._lock._saveRelease(id);
  }

  /** Runs holding the lock again: a waiter that was not notified takes itself off the count. */
  private _leave(notified: boolean, failure: { error: unknown } | undefined): boolean {
    if (!notified) notified = this._cancel();
    if (traceChannel.hasSubscribers) trace('wake', 'Condition', this._i32[1]!, { notified });
    if (failure) throw failure.error;
    return notified;
  }

  private _takeToken(): boolean {
    for (;;) {
      const tokens = Atomics.load(this._i32, TOKENS);
      if (tokens <= 0) return false;
      if (Atomics.compareExchange(this._i32, TOKENS, tokens, tokens - 1) === tokens) return true;
    }
  }

  /**
   * Waiters are counted, not queued, so a leaving waiter cannot know whether a notification
   * was meant for it. Holding the lock, it removes one not-yet-notified waiter from the count
   * when there is one (and passes on a notification it may have absorbed); otherwise every
   * counted waiter, itself included, was notified, and it takes its notification.
   */
  private _cancel(): boolean {
    for (;;) {
      const waiting = Atomics.load(this._i32, WAITING);
      if (waiting > 0) {
        if (Atomics.compareExchange(this._i32, WAITING, waiting, waiting - 1) !== waiting) continue;
        if (Atomics.load(this._i32, TOKENS) > 0) Atomics.notify(this._i32, TOKENS, 1);
        return false;
      }
      if (this._takeToken()) return true;
      if (Atomics.load(this._i32, WAITING) === 0) return false;
    }
  }

  /** @internal */
  [toDescriptor](): SharedDescriptor {
    return { kind: KIND, ...blockFields(this._block), lock: this._lock[toDescriptor]() };
  }
}

registerKind(KIND, {
  revive: (descriptor) => {
    const lock = reviveDescriptor(descriptor['lock'] as SharedDescriptor) as Lock | RLock;
    return reviveOver(KIND, descriptor, () => new Condition(lock));
  },
  syncMethods: ['acquireSync', 'release', 'waitSync', 'waitForSync', 'notify', 'notifyAll'],
});

function checkPredicate(predicate: unknown, what: string): void {
  if (typeof predicate !== 'function') throw new TypeError(`Condition.${what}: predicate must be a function returning a boolean, got ${typeName(predicate)}`);
}
