import { waitAsync, waitSync, wake } from '@conc/core/internal';

/**
 * A condition variable over the queue's lock, as ATOMICS.md recommends: a sequence word that
 * `notify` bumps, and a waiter count so that a notify nobody waits for costs one load. A
 * waiter reads the sequence and counts itself holding the lock, releases the lock, sleeps
 * while the sequence is unchanged (core futex), uncounts itself and takes the lock again.
 * Because waiters count themselves under the lock and notifiers hold it, a notify that reads
 * a zero count cannot miss a waiter (a count left by a terminated waiter only costs spare
 * wake-ups).
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
  readonly #unlock: () => void;
  /** Waiters to wake once the lock is released (see `flush`). */
  #wakes = 0;

  /**
   * Over words `sequence` and `sequence + 1` (the waiter count) of `i32`. `unlock` releases
   * the lock and flushes the wake-ups of every condition over it.
   */
  constructor(i32: Int32Array, sequence: number, unlock: () => void) {
    this.#i32 = i32;
    this.#sequence = sequence;
    this.#waiters = sequence + 1;
    this.#unlock = unlock;
  }

  /**
   * Waits (the lock held) until notified or `deadline`, then takes the lock again with
   * `relock(deadline)`: returns whether it holds the lock (false only when the deadline passed
   * before the lock could be taken back).
   */
  waitSync(deadline: number, relock: (deadline: number) => boolean): boolean {
    const i32 = this.#i32;
    const seen = Atomics.load(i32, this.#sequence);
    // Counted before the lock is released, so a notify (made holding the lock) that sees no
    // waiter can skip everything: it cannot fall between our release and our futex wait.
    Atomics.add(i32, this.#waiters, 1);
    this.#unlock();
    try {
      waitSync(i32, this.#sequence, seen, deadline);
    } finally {
      Atomics.sub(i32, this.#waiters, 1);
    }
    return relock(deadline);
  }

  /**
   * The async form: never blocks the event loop. On abort it rejects holding the lock again
   * (taken back with no deadline: the caller passes the wake-up on under it).
   */
  async wait(deadline: number, signal: AbortSignal | undefined, relock: (deadline: number) => Promise<boolean>): Promise<boolean> {
    const i32 = this.#i32;
    const seen = Atomics.load(i32, this.#sequence);
    Atomics.add(i32, this.#waiters, 1);
    this.#unlock();
    try {
      await waitAsync(i32, this.#sequence, seen, deadline, signal);
    } catch (error) {
      Atomics.sub(i32, this.#waiters, 1);
      await relock(Infinity);
      throw error;
    }
    Atomics.sub(i32, this.#waiters, 1);
    return relock(deadline);
  }

  /**
   * Wakes up to `n` waiters once the lock is released. Call holding the lock, after changing
   * what they wait for; the sequence moves at once (a waiter about to sleep sees it), the futex
   * wake-up waits for `flush`: a waiter woken while the lock is still held finds it held and
   * goes back to sleep on it, which made each hand-off two wake-ups instead of one.
   */
  notify(n = 1): void {
    // Waiters count themselves holding the lock: none counted means none to wake (one load, no
    // write to a line another core reads).
    if (Atomics.load(this.#i32, this.#waiters) === 0) return;
    Atomics.add(this.#i32, this.#sequence, 1);
    this.#wakes += n;
  }

  notifyAll(): void {
    this.notify(Infinity);
  }

  /** Makes the wake-ups `notify` left for after the lock's release. */
  flush(): void {
    const n = this.#wakes;
    if (n === 0) return;
    this.#wakes = 0;
    wake(this.#i32, this.#sequence, n);
  }
}
