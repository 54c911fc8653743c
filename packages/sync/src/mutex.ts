import { remaining, waitAsync, waitSync } from '@conc/core/internal';

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

/**
 * Blocks until the mutex is taken or `deadline` passes. `onBlock` runs once, when the
 * thread is about to sleep (tracing publishes a wait there).
 * @internal
 */
export function lockSync(i32: Int32Array, index: number, deadline: number, onBlock?: () => void): boolean {
  if (Atomics.compareExchange(i32, index, 0, 1) === 0) return true;
  if (deadline !== Infinity && remaining(deadline) === 0) return false;
  onBlock?.();
  // No spinning before sleeping: measured here, a 100-load spin halved the throughput of two
  // contending threads (they hand the lock back and forth instead of running in batches).
  // From here on the word says "contended": whoever unlocks must notify.
  while (Atomics.exchange(i32, index, 2) !== 0) {
    if (remaining(deadline) === 0) return giveUp(i32, index);
    waitSync(i32, index, 2, deadline);
  }
  return true;
}

/**
 * Waits without blocking the event loop until the mutex is taken, `deadline` passes or
 * `signal` aborts (then rejects with its reason, holding nothing).
 * @internal
 */
export async function lockAsync(i32: Int32Array, index: number, deadline: number, signal: AbortSignal | undefined, onBlock?: () => void): Promise<boolean> {
  if (signal?.aborted) throw signal.reason;
  if (Atomics.compareExchange(i32, index, 0, 1) === 0) return true;
  if (deadline !== Infinity && remaining(deadline) === 0) return false;
  onBlock?.();
  while (Atomics.exchange(i32, index, 2) !== 0) {
    if (remaining(deadline) === 0) return giveUp(i32, index);
    try {
      await waitAsync(i32, index, 2, deadline, signal);
    } catch (error) {
      // We may have been the one woken by an unlock: pass the wake-up on before leaving.
      Atomics.notify(i32, index, 1);
      throw error;
    }
  }
  return true;
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
