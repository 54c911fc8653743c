import { remaining } from './deadline.js';
import { waitAsync } from './futex.js';
import { threadIdentity } from './identity.js';
import { isGone } from './liveness.js';

/**
 * Drepper's three-state mutex ("Futexes Are Tricky", mutex #3) on one int32 word, made robust:
 * the word holds the holder's identity (see identity.ts) instead of 1, with the sign bit set
 * when it may be contended (Drepper's state 2). 0 is free. Unlock notifies only when the sign
 * bit was set, so the uncontended path is still one atomic operation each way (a
 * compare-and-swap to lock, an exchange to unlock).
 *
 * Robust: a thread may die at any instruction, holding the word (`terminate()`, out of memory;
 * see ATOMICS.md). A waiter sleeps in slices of {@link SLICE_MS} and, between them, asks the
 * liveness table whether the holder is gone; if so it takes the word over with a
 * compare-and-swap (so only one waiter does) and `onTakeover` runs holding it, to repair what
 * the dead holder left half-done and to publish the abandonment.
 *
 * It keeps no waiter count: a thread terminated while waiting can at worst leave the sign bit
 * set, which costs one spare notify on the next unlock and never a lost wake-up. Unfair by
 * design (as CPython's Lock): a thread that arrives while the mutex is released may take it
 * before a sleeping waiter wakes up.
 * @internal
 */

/** The contended bit: set, the unlocker must notify. */
const CONTENDED = 0x80000000 | 0;
const HOLDER = 0x7fffffff;
/** How long a waiter sleeps before it checks whether the holder is gone. */
export const SLICE_MS = 100;

/** Runs holding the mutex just taken over from `holder`, a thread that is gone. @internal */
export type OnTakeover = (holder: number) => void;

/** Takes the mutex if it is free. @internal */
export function tryLock(i32: Int32Array, index: number): boolean {
  return Atomics.compareExchange(i32, index, 0, threadIdentity()) === 0;
}

/** The identity of the thread holding the mutex, 0 when free. @internal */
export function holderOf(i32: Int32Array, index: number): number {
  return Atomics.load(i32, index) & HOLDER;
}

/**
 * One step of a waiter: takes the free mutex (marked contended) or, when `check`, a gone
 * holder's, or marks it contended. Returns the word to sleep on, or 0 once the mutex is held.
 * Liveness is checked on arrival and after a slice ran out, not after every wake-up: a holder
 * that just released and took the lock again is alive, and the check is not free.
 */
function step(i32: Int32Array, index: number, mine: number, check: boolean, onTakeover: OnTakeover | undefined): number {
  for (;;) {
    let word = Atomics.load(i32, index);
    if (word === 0) {
      if (Atomics.compareExchange(i32, index, 0, mine) === 0) return 0;
      continue;
    }
    if (word > 0) {
      if (Atomics.compareExchange(i32, index, word, word | CONTENDED) !== word) continue;
      word |= CONTENDED;
    }
    const holder = word & HOLDER;
    if (!check || !isGone(holder)) return word;
    if (Atomics.compareExchange(i32, index, word, mine) !== word) continue;
    onTakeover?.(holder);
    return 0;
  }
}

/**
 * Blocks until the mutex is taken or `deadline` passes. `onBlock` runs once, when the
 * thread is about to sleep (tracing publishes a wait there).
 * @internal
 */
export function lockSync(i32: Int32Array, index: number, deadline: number, onBlock?: () => void, onTakeover?: OnTakeover): boolean {
  if (Atomics.compareExchange(i32, index, 0, threadIdentity()) === 0) return true;
  if (deadline !== Infinity && remaining(deadline) === 0) return false;
  return lockContended(i32, index, deadline, onBlock, onTakeover);
}

/**
 * {@link lockSync} after its first compare-and-swap failed (the caller just tried): each
 * needless atomic operation on a contended word is a cache-line transfer.
 * @internal
 */
export function lockContended(i32: Int32Array, index: number, deadline: number, onBlock?: () => void, onTakeover?: OnTakeover): boolean {
  onBlock?.();
  // No spinning before sleeping: measured here, a 100-load spin halved the throughput of two
  // contending threads (they hand the lock back and forth instead of running in batches).
  const mine = threadIdentity() | CONTENDED;
  for (let check = true; ; ) {
    const word = step(i32, index, mine, check, onTakeover);
    if (word === 0) return true;
    const left = remaining(deadline);
    if (left === 0) return giveUp(i32, index);
    check = Atomics.wait(i32, index, word, left < SLICE_MS ? left : SLICE_MS) === 'timed-out';
  }
}

/**
 * Waits without blocking the event loop until the mutex is taken, `deadline` passes or
 * `signal` aborts (then rejects with its reason, holding nothing).
 * @internal
 */
export async function lockAsync(
  i32: Int32Array,
  index: number,
  deadline: number,
  signal: AbortSignal | undefined,
  onBlock?: () => void,
  onTakeover?: OnTakeover,
): Promise<boolean> {
  if (signal?.aborted) throw signal.reason;
  const me = threadIdentity();
  if (Atomics.compareExchange(i32, index, 0, me) === 0) return true;
  if (deadline !== Infinity && remaining(deadline) === 0) return false;
  onBlock?.();
  const mine = me | CONTENDED;
  for (let check = true; ; ) {
    const word = step(i32, index, mine, check, onTakeover);
    if (word === 0) return true;
    if (remaining(deadline) === 0) return giveUp(i32, index);
    try {
      check = (await waitAsync(i32, index, word, Math.min(deadline, performance.now() + SLICE_MS), signal)) === 'timed-out';
    } catch (error) {
      // We may have been the one woken by an unlock: pass the wake-up on before leaving.
      Atomics.notify(i32, index, 1);
      throw error;
    }
  }
}

/** A waiter that leaves may have absorbed an unlock's notify: pass it on to the next one. */
function giveUp(i32: Int32Array, index: number): false {
  Atomics.notify(i32, index, 1);
  return false;
}

/** Releases the mutex, whoever holds it; returns false when it was not held. @internal */
export function unlock(i32: Int32Array, index: number): boolean {
  // One exchange, whoever holds it (a Lock may be released by any thread): free now, and the
  // old word says whether it was held and whether anyone may sleep on it.
  const word = Atomics.exchange(i32, index, 0);
  if (word < 0) Atomics.notify(i32, index, 1);
  return word !== 0;
}
