import { waitAsync, waitSync, wake } from '@conc/core/internal';

/**
 * An event count on one int32 word: how a lock-free side of the FIFO queue sleeps until the
 * other side changes something, with no lost wake-up, no write per item when nobody sleeps, and
 * one wake-up per sleep (not one per item while the sleeper is still waking).
 *
 * The word is a sequence times two, plus an "armed" bit. A waiter sets the bit (`prepare`, whose
 * result is its key), re-checks what it waits for, and sleeps while the word still equals its
 * key. A notifier publishes its change with an Atomics write first, then loads the word: with
 * the bit clear nobody armed since the last wake-up, and it is done (one load, on a line nobody
 * writes). With the bit set it bumps the sequence, clearing the bit, and wakes every sleeper:
 * each re-checks and arms again if it still has to wait. With sequentially consistent Atomics,
 * either the notifier sees the bit or the waiter's re-check sees the change (Dekker); a waiter
 * armed before the bump either sees the new word or is in the futex queue when the wake comes.
 *
 * Waking all keeps it correct for any number of sleepers (a wake-one would need a count of them,
 * and a waker could not tell whom it woke). Nothing is left to undo by a waiter that times out,
 * is aborted or is terminated: a bit left set costs the next notifier one spare wake call.
 * Waiting on this word rather than on the data lets shutdown and close wake sleepers too.
 * @internal
 */
export class EventCount {
  readonly #i32: Int32Array;
  readonly #word: number;

  /** Over word `index` of `i32`. */
  constructor(i32: Int32Array, index: number) {
    this.#i32 = i32;
    this.#word = index;
  }

  /** Arms the word; returns the key to wait with. The caller must then re-check its condition. */
  prepare(): number {
    return Atomics.or(this.#i32, this.#word, 1) | 1;
  }

  /** Blocks while the word equals `key` (from `prepare`), until `deadline`. */
  waitSync(key: number, deadline: number): void {
    waitSync(this.#i32, this.#word, key, deadline);
  }

  /**
   * The async form; on abort rejects with the signal's reason, after waking the word's waiters
   * (the core's `waitAsync` does so: its abandoned wait could otherwise absorb a wake-up).
   */
  async wait(key: number, deadline: number, signal: AbortSignal | undefined): Promise<void> {
    await waitAsync(this.#i32, this.#word, key, deadline, signal);
  }

  /** Wakes every sleeper, if any armed since the last wake-up. Call after publishing the change with an Atomics write. */
  notify(): void {
    const i32 = this.#i32;
    for (let word = Atomics.load(i32, this.#word); (word & 1) !== 0; word = Atomics.load(i32, this.#word)) {
      if (Atomics.compareExchange(i32, this.#word, word, (word + 1) | 0) === word) {
        wake(i32, this.#word);
        return;
      }
    }
  }
}
