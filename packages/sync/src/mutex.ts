import { remaining, holdKeepAlive, releaseKeepAlive } from '@conc/core/internal';

/**
 * Drepper's three-state mutex ("Futexes Are Tricky", mutex #3) on one int32 word:
 * 0 free, 1 locked, 2 locked and maybe contended. Unlock notifies only when the word was 2,
 * so the uncontended path is one CAS to lock and one subtraction to unlock.
 *
 * It keeps no waiter count: a thread terminated while waiting can at worst leave the word at
 * 2, which costs one spare notify on the next unlock and never a lost wake-up.
 *
 * Unfair by design (as CPython's Lock): a thread that arrives while the lock is released may
 * take it before a sleeping waiter wakes up.
 * @internal
 */

/** Takes the mutex if it is free. @internal */
export function tryLock(i32: Int32Array, index: number): boolean {
  return Atomics.compareExchange(i32, index, 0, 1) === 0;
}

/** Blocks until the mutex is taken or `deadline` passes. @internal */
export function lockSync(i32: Int32Array, index: number, deadline: number): boolean {
  if (Atomics.compareExchange(i32, index, 0, 1) === 0) return true;
  if (deadline !== Infinity && remaining(deadline) === 0) return false;
  // No spinning before sleeping: measured here, a 100-load spin halved the throughput of two
  // contending threads (they hand the lock back and forth instead of running in batches).
  // From here on the word says "contended": whoever unlocks must notify.
  while (Atomics.exchange(i32, index, 2) !== 0) {
    const ms = remaining(deadline);
    if (ms === 0) return giveUp(i32, index);
    Atomics.wait(i32, index, 2, ms);
  }
  return true;
}

/**
 * Waits without blocking the event loop until the mutex is taken, `deadline` passes or
 * `signal` aborts (then rejects with its reason, holding nothing).
 * @internal
 */
export async function lockAsync(i32: Int32Array, index: number, deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) throw signal.reason;
  if (Atomics.compareExchange(i32, index, 0, 1) === 0) return true;
  if (deadline !== Infinity && remaining(deadline) === 0) return false;
  holdKeepAlive();
  try {
    while (Atomics.exchange(i32, index, 2) !== 0) {
      if (signal?.aborted) {
        // We may have been the one woken by an unlock: pass the wake-up on before leaving.
        Atomics.notify(i32, index, 1);
        throw signal.reason;
      }
      const ms = remaining(deadline);
      if (ms === 0) return giveUp(i32, index);
      const pending = Atomics.waitAsync(i32, index, 2, ms);
      if (!pending.async) continue;
      if (!signal) {
        await pending.value;
        continue;
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          // Our abandoned waitAsync stays queued and could swallow the unlocker's notify(1):
          // wake every waiter on the word so that they all re-check.
          Atomics.notify(i32, index);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        void pending.value.then(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
    return true;
  } finally {
    releaseKeepAlive();
  }
}

/** A waiter that leaves may have absorbed an unlock's notify: pass it on to the next one. */
function giveUp(i32: Int32Array, index: number): false {
  Atomics.notify(i32, index, 1);
  return false;
}

/** Releases the mutex; returns false when it was not held. @internal */
export function unlock(i32: Int32Array, index: number): boolean {
  // Uncontended: one compare-and-swap.
  if (Atomics.compareExchange(i32, index, 1, 0) === 1) return true;
  for (;;) {
    const state = Atomics.load(i32, index);
    if (state === 0) return false;
    if (Atomics.compareExchange(i32, index, state, 0) === state) {
      if (state === 2) Atomics.notify(i32, index, 1);
      return true;
    }
  }
}
