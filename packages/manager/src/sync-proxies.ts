import type { WaitOptions } from '@conc/core';
import { parseWait, remaining, typeName } from '@conc/core/internal';
import { BaseProxy, guardLock, proxyClass, withLock, type ProxyGuard } from './proxy.js';

/**
 * A proxy of a `Lock` held by the manager. Any client may release it (as with
 * `threading.Lock`); a client that disconnects while holding it has it released.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const lock = await manager.lock();
 * console.log(await lock.with(() => 'inside')); // 'inside'
 * ```
 */
export class LockProxy extends BaseProxy {
  /** @internal */
  _fencingToken: number | undefined = undefined;
  /**
   * With a backend that leases it (`Manager.connect({ backend })`): the fencing token of this
   * proxy's latest successful acquire, larger than every earlier one of the same object. Pass
   * it to the resource you guard so it can refuse a holder whose lease ran out. `undefined`
   * before the first acquire and with a local manager (which releases a lock when its holder
   * disconnects instead of leasing it).
   */
  get fencingToken(): number | undefined {
    return this._fencingToken;
  }
  /**
   * Acquires it (an `RLockProxy` again when the calling thread already holds it); resolves `false`
   * when the timeout passes first.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }` (`blocking: false` is `timeout: 0`); waits forever by default.
   * @returns A promise of `true` once acquired, `false` when the timeout passed first.
   * @throws (rejects) TypeError/RangeError for bad options; the signal's reason on abort (then nothing is acquired).
   */
  acquire(opts?: number | WaitOptions): Promise<boolean> {
    return this._wait('acquire', [], opts) as Promise<boolean>;
  }
  /** Releases it; unheld is a `StateError`. */
  release(): Promise<void> {
    return this._call('release', []) as Promise<void>;
  }
  /** Whether somebody holds it. */
  locked(): Promise<boolean> {
    return this._call('locked', []) as Promise<boolean>;
  }
  /**
   * Acquires, runs `fn`, always releases (also when `fn` throws); `TimeoutError` when not acquired in time.
   * @param fn - The work to do holding the lock; may be async (the lock is held until its promise settles).
   * @param opts - How long to wait for the lock: a timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; forever by default.
   * @returns A promise of what `fn` returned.
   * @throws (rejects) TypeError when `fn` is not a function; TimeoutError when the lock was not
   *   acquired in time; the signal's reason on abort; what `fn` threw.
   */
  with<T>(fn: () => T | Promise<T>, opts?: number | WaitOptions): Promise<T> {
    return withLock(this, fn, opts, this.constructor.name);
  }
  /**
   * Acquires and resolves a guard that releases on `await using` exit.
   * @param opts - How long to wait for the lock: a timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; forever by default.
   * @returns A promise of the guard.
   * @throws (rejects) TimeoutError when the lock was not acquired in time; the signal's reason on abort.
   */
  guard(opts?: number | WaitOptions): Promise<ProxyGuard> {
    return guardLock(this, opts, this.constructor.name);
  }
}

/**
 * A proxy of an `RLock` held by the manager: owned by the acquiring thread, re-entrant;
 * `release()` by another thread is a `StateError`.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const rlock = await manager.rlock();
 * await rlock.acquire();
 * console.log(await rlock.acquire()); // true (re-entrant)
 * await rlock.release();
 * await rlock.release();
 * ```
 */
export class RLockProxy extends LockProxy {}

/**
 * A proxy of a `Semaphore` held by the manager.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const sem = await manager.semaphore(2);
 * await sem.acquire();
 * console.log(await sem.value()); // 1
 * ```
 */
export class SemaphoreProxy extends BaseProxy {
  /** @internal */
  _fencingToken: number | undefined = undefined;
  /**
   * With a backend that leases it (`Manager.connect({ backend })`): the fencing token of this
   * proxy's latest successful acquire, larger than every earlier one of the same object. Pass
   * it to the resource you guard so it can refuse a holder whose lease ran out. `undefined`
   * before the first acquire and with a local manager (which releases a lock when its holder
   * disconnects instead of leasing it).
   */
  get fencingToken(): number | undefined {
    return this._fencingToken;
  }
  /**
   * Takes one permit, waiting while there is none; resolves `false` when the timeout passes first.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }` (`blocking: false` is `timeout: 0`); waits forever by default.
   * @returns A promise of `true` once a permit is taken, `false` when the timeout passed first.
   * @throws (rejects) TypeError/RangeError for bad options; the signal's reason on abort (then no permit is taken).
   */
  acquire(opts?: number | WaitOptions): Promise<boolean> {
    return this._wait('acquire', [], opts) as Promise<boolean>;
  }
  /**
   * Gives back `n` permits, waking up to `n` waiters.
   * @param n - How many permits: an integer >= 1; default 1.
   * @returns A promise that resolves once the permits are given back.
   * @throws (rejects) TypeError when `n` is not an integer; RangeError when `n < 1`; StateError
   *   when a `BoundedSemaphoreProxy` would go above its initial value (then nothing is released).
   */
  release(n = 1): Promise<void> {
    return this._call('release', [n]) as Promise<void>;
  }
  /** The permits left. */
  value(): Promise<number> {
    return this._call('value', []) as Promise<number>;
  }
  /**
   * Takes a permit, runs `fn`, always gives it back (also when `fn` throws); `TimeoutError` when
   * no permit came in time.
   * @param fn - The work to do holding a permit; may be async (the permit is held until its promise settles).
   * @param opts - How long to wait for a permit: a timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; forever by default.
   * @returns A promise of what `fn` returned.
   * @throws (rejects) TypeError when `fn` is not a function; TimeoutError when no permit came in
   *   time; the signal's reason on abort; what `fn` threw.
   */
  with<T>(fn: () => T | Promise<T>, opts?: number | WaitOptions): Promise<T> {
    return withLock(this, fn, opts, this.constructor.name);
  }
  /**
   * Takes a permit and resolves a guard that gives it back on `await using` exit.
   * @param opts - How long to wait for a permit: a timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; forever by default.
   * @returns A promise of the guard.
   * @throws (rejects) TimeoutError when no permit came in time; the signal's reason on abort.
   */
  guard(opts?: number | WaitOptions): Promise<ProxyGuard> {
    return guardLock(this, opts, this.constructor.name);
  }
}

/**
 * A proxy of a `BoundedSemaphore` held by the manager: releasing above the initial value
 * is a `StateError`.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const sem = await manager.boundedSemaphore(1);
 * await sem.release().catch((e: Error) => console.log(e.name)); // 'StateError'
 * ```
 */
export class BoundedSemaphoreProxy extends SemaphoreProxy {}

/**
 * A proxy of an `Event` held by the manager.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const event = await manager.event();
 * setTimeout(() => void event.set(), 10);
 * console.log(await event.wait(5000)); // true
 * ```
 */
export class EventProxy extends BaseProxy {
  /** Whether the flag is set. */
  isSet(): Promise<boolean> {
    return this._call('isSet', []) as Promise<boolean>;
  }
  /** Sets the flag, waking every waiter. */
  set(): Promise<void> {
    return this._call('set', []) as Promise<void>;
  }
  /** Clears the flag. */
  clear(): Promise<void> {
    return this._call('clear', []) as Promise<void>;
  }
  /**
   * Waits until the flag is set (at once when it already is); resolves `false` when the timeout passes first.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }` (`blocking: false` is `timeout: 0`); waits forever by default.
   * @returns A promise of `true` once the flag is set, `false` when the timeout passed first.
   * @throws (rejects) TypeError/RangeError for bad options; the signal's reason on abort.
   */
  wait(opts?: number | WaitOptions): Promise<boolean> {
    return this._wait('wait', [], opts) as Promise<boolean>;
  }
}

/**
 * A proxy of a `Condition` held by the manager (over its own `RLock`, or the lock proxy
 * given to `manager.condition(lock)`).
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const cond = await manager.condition();
 * await cond.acquire();
 * console.log(await cond.wait(10)); // false (nobody notified)
 * await cond.release();
 * ```
 */
export class ConditionProxy extends BaseProxy {
  /**
   * Acquires the underlying lock (again, when the calling thread holds its `RLock`).
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }` (`blocking: false` is `timeout: 0`); waits forever by default.
   * @returns A promise of `true` once acquired, `false` when the timeout passed first.
   * @throws (rejects) TypeError/RangeError for bad options; the signal's reason on abort (then nothing is acquired).
   */
  acquire(opts?: number | WaitOptions): Promise<boolean> {
    return this._wait('acquire', [], opts) as Promise<boolean>;
  }
  /** Releases the underlying lock. */
  release(): Promise<void> {
    return this._call('release', []) as Promise<void>;
  }
  /**
   * Releases the lock, waits for a notification, holds the lock again (also on timeout and
   * abort); resolves `false` on timeout. Not holding the lock is a `StateError`.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }` (`blocking: false` is `timeout: 0`); waits forever by default.
   * @returns A promise of `true` when notified, `false` when the timeout passed first.
   * @throws (rejects) StateError when the calling thread does not hold the lock; TypeError/RangeError
   *   for bad options; the signal's reason on abort (the lock is held again first).
   */
  wait(opts?: number | WaitOptions): Promise<boolean> {
    return this._wait('wait', [], opts) as Promise<boolean>;
  }
  /**
   * Waits until `predicate()` (run here, in the caller) is truthy, as Python's `wait_for`;
   * resolves its last result. Call it holding the lock.
   * @param predicate - Called with no arguments before the first wait and after each
   *   notification; may be async. A truthy result ends the wait.
   * @param opts - A timeout in milliseconds for the whole wait, or `{ timeout?, blocking?, signal? }`;
   *   waits forever by default (`0` or `blocking: false` only checks `predicate` once).
   * @returns A promise of the predicate's last result: truthy, or falsy when the timeout passed first.
   * @throws (rejects) TypeError when `predicate` is not a function; TypeError/RangeError for bad
   *   options; StateError when it has to wait and the calling thread does not hold the lock;
   *   the signal's reason on abort; what `predicate` threw.
   */
  async waitFor<T>(predicate: () => T | Promise<T>, opts?: number | WaitOptions): Promise<T | false> {
    if (typeof predicate !== 'function') throw new TypeError(`ConditionProxy.waitFor: predicate must be a function, got ${typeName(predicate)}`);
    const { deadline, signal } = parseWait(opts, 'ConditionProxy.waitFor');
    let result = await predicate();
    while (!result) {
      const left = remaining(deadline);
      if (left <= 0) break;
      await this.wait({ timeout: left, signal });
      result = await predicate();
    }
    return result;
  }
  /**
   * Wakes up to `n` waiters; not holding the lock is a `StateError`.
   * @param n - How many waiters to wake at most: an integer >= 0; default 1 (`notifyAll()` wakes every one).
   * @returns A promise that resolves once the waiters are woken (they still have to get the lock back).
   * @throws (rejects) TypeError when `n` is not an integer; RangeError when `n < 0`; StateError
   *   when the calling thread does not hold the lock.
   */
  notify(n = 1): Promise<void> {
    return this._call('notify', [n]) as Promise<void>;
  }
  /** Wakes every waiter. */
  notifyAll(): Promise<void> {
    return this._call('notifyAll', []) as Promise<void>;
  }
  /**
   * Acquires the lock, runs `fn`, always releases (also when `fn` throws).
   * @param fn - The work to do holding the lock (typically `wait`/`waitFor`/`notify` calls); may be async.
   * @param opts - How long to wait for the lock: a timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; forever by default.
   * @returns A promise of what `fn` returned.
   * @throws (rejects) TypeError when `fn` is not a function; TimeoutError when the lock was not
   *   acquired in time; the signal's reason on abort; what `fn` threw.
   */
  with<T>(fn: () => T | Promise<T>, opts?: number | WaitOptions): Promise<T> {
    return withLock(this, fn, opts, 'ConditionProxy');
  }
  /**
   * Acquires the lock and resolves a guard that releases it on `await using` exit.
   * @param opts - How long to wait for the lock: a timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; forever by default.
   * @returns A promise of the guard.
   * @throws (rejects) TimeoutError when the lock was not acquired in time; the signal's reason on abort.
   */
  guard(opts?: number | WaitOptions): Promise<ProxyGuard> {
    return guardLock(this, opts, 'ConditionProxy');
  }
}

/**
 * A proxy of a `Barrier` held by the manager.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const barrier = await manager.barrier(2);
 * const indexes = await Promise.all([barrier.wait(), barrier.wait()]);
 * console.log(indexes.sort()); // [ 0, 1 ]
 * ```
 */
export class BarrierProxy extends BaseProxy {
  /**
   * Waits until every party has called `wait()`; resolves the arrival index. A timeout, an abort
   * or a waiter that disconnects breaks the barrier (`BrokenBarrierError` for every waiter).
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; by default the
   *   barrier's own timeout (given to `manager.barrier()`), else forever.
   * @returns A promise of the arrival index, from `0` to `parties - 1`.
   * @throws (rejects) BrokenBarrierError when the barrier is or becomes broken (also on this
   *   call's timeout); TypeError/RangeError for bad options; the signal's reason on abort.
   */
  wait(opts?: number | WaitOptions): Promise<number> {
    return this._wait('wait', [], opts) as Promise<number>;
  }
  /** Breaks it for current waiters and makes it usable again. */
  reset(): Promise<void> {
    return this._call('reset', []) as Promise<void>;
  }
  /** Breaks it. */
  abort(): Promise<void> {
    return this._call('abort', []) as Promise<void>;
  }
  /** How many parties it waits for. */
  parties(): Promise<number> {
    return this._call('parties', []) as Promise<number>;
  }
  /** How many are waiting now. */
  nWaiting(): Promise<number> {
    return this._call('nWaiting', []) as Promise<number>;
  }
  /** Whether it is broken. */
  broken(): Promise<boolean> {
    return this._call('broken', []) as Promise<boolean>;
  }
}

proxyClass('lock', LockProxy);
proxyClass('rlock', RLockProxy);
proxyClass('semaphore', SemaphoreProxy);
proxyClass('boundedSemaphore', BoundedSemaphoreProxy);
proxyClass('event', EventProxy);
proxyClass('condition', ConditionProxy);
proxyClass('barrier', BarrierProxy);
