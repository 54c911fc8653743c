import { waitAsync, waitSync, wake } from '@conc/core/internal';
import type { Lock } from '@conc/sync';

/**
 * A condition variable over the queue's lock, as ATOMICS.md recommends: a sequence word that
 * `notify` bumps, and a waiter count so that a notify nobody waits for costs one atomic add
 * and one load. A waiter reads the sequence holding the lock, releases the lock, sleeps while
 * the sequence is unchanged (core futex), and takes the lock again.
 *
 * Why not `@conc/sync`'s `Condition`: its counted notification tokens lose one when a timed
 * wait times out just as it is notified (the token is taken and dropped), after which a waiter
 * sleeps forever with items in the queue; this queue's stress test with consumers using
 * timeouts hung on it. A sequence word has nothing to lose: a woken waiter re-checks the
 * queue, and a wait that ends without taking what it was woken for (abort) passes the wake-up on.
 * @internal
 */
export class SequenceCondition {
  readonly #i32: Int32Array;
  readonly #sequence: number;
  readonly #waiters: number;
  readonly #lock: Lock;

  /** Over words `sequence` and `sequence + 1` (the waiter count) of `i32`. */
  constructor(i32: Int32Array, sequence: number, lock: Lock) {
    this.#i32 = i32;
    this.#sequence = sequence;
    this.#waiters = sequence + 1;
    this.#lock = lock;
  }

  /** Waits (the lock held) until notified or `deadline`; holds the lock again on return. */
  waitSync(deadline: number, relock: () => void): void {
    const seen = Atomics.load(this.#i32, this.#sequence);
    this.#lock.release();
    try {
      waitSync(this.#i32, this.#sequence, seen, deadline, this.#waiters);
    } finally {
      relock();
    }
  }

  /** The async form: never blocks the event loop; on abort rejects holding the lock again. */
  async wait(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    const seen = Atomics.load(this.#i32, this.#sequence);
    this.#lock.release();
    try {
      await waitAsync(this.#i32, this.#sequence, seen, deadline, signal, this.#waiters);
    } finally {
      await this.#lock.acquire();
    }
  }

  /** Wakes up to `n` waiters. Call holding the lock, after changing what they wait for. */
  notify(n = 1): void {
    // Always bump: a waiter that read the old value but is not counted yet must see a change.
    Atomics.add(this.#i32, this.#sequence, 1);
    wake(this.#i32, this.#sequence, n, this.#waiters);
  }

  notifyAll(): void {
    this.notify(Infinity);
  }
}
