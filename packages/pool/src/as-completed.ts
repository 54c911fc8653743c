import { TimeoutError } from '@conc/core';
import { checkTimeout, deadlineAfter, remaining } from '@conc/core/internal';
import { futureSet, unwatchFuture, watchFuture, type Future, type IteratedFuture } from './future.js';

/**
 * Yields the futures as they complete (finished or cancelled): first those already done, then
 * each as it is done. Python: `concurrent.futures.as_completed`.
 *
 * Read a yielded future's value with `await future.result()` (its type,
 * {@link IteratedFuture}, hides `then` so that TypeScript keeps it a future). Duplicates are
 * yielded once. The timeout counts from the call: when it runs out with
 * futures still not done, the iterator throws `TimeoutError` (`'2 (of 4) futures
 * unfinished'`) and ends. Leaving the loop early (`break`) stops the watching.
 *
 * @param futures - Any iterable of futures (from any executors).
 * @param timeout - Milliseconds for the whole iteration; `undefined`/`Infinity` waits forever.
 * @returns An async iterator of the futures, in completion order.
 * @throws TypeError when `futures` is not an iterable of futures; RangeError/TypeError for a
 *   bad timeout (at the call, since it returns an iterator, not a promise).
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, asCompleted } from '@conc/pool';
 * await using executor = new ThreadPoolExecutor(2);
 * const slow = (ms: number) => (Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms), ms);
 * const futures = [300, 10, 100].map((ms) => executor.submit(slow, ms));
 * for await (const future of asCompleted(futures, 10_000)) console.log(await future.result()); // 10, 100, 300 (most likely)
 * ```
 */
export function asCompleted<F extends Future<unknown>>(futures: Iterable<F>, timeout?: number): AsyncIterableIterator<IteratedFuture<F>> {
  const ms = checkTimeout(timeout, 'asCompleted');
  const all = futureSet(futures, 'asCompleted');
  return new CompletionIterator(all, deadlineAfter(ms));
}

class CompletionIterator<F extends Future<unknown>> implements AsyncIterableIterator<IteratedFuture<F>> {
  readonly #total: number;
  readonly #deadline: number;
  /** Done and not yet yielded, in completion order. */
  #ready: F[] = [];
  #readyHead = 0;
  #pending: Set<F>;
  #ended = false;
  #wake: (() => void) | undefined;
  readonly #onDone = (future: F): void => {
    if (!this.#pending.delete(future)) return;
    this.#ready.push(future);
    this.#wake?.();
  };

  constructor(all: Set<F>, deadline: number) {
    this.#total = all.size;
    this.#deadline = deadline;
    this.#pending = new Set();
    for (const future of all) {
      if (future.done()) this.#ready.push(future);
      else {
        this.#pending.add(future);
        watchFuture(future, this.#onDone);
      }
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<IteratedFuture<F>>> {
    for (;;) {
      if (this.#readyHead < this.#ready.length) {
        const future = this.#ready[this.#readyHead]!;
        // Hold no reference to what was yielded (CPython issue 14406).
        this.#ready[this.#readyHead++] = undefined as never;
        if (this.#readyHead === this.#ready.length) {
          this.#ready = [];
          this.#readyHead = 0;
        }
        return { done: false, value: future as IteratedFuture<F> };
      }
      if (this.#ended || this.#pending.size === 0) return this.#end();
      const left = remaining(this.#deadline);
      if (left === 0) {
        const unfinished = this.#pending.size;
        this.#end();
        throw new TimeoutError(`${unfinished} (of ${this.#total}) futures unfinished`);
      }
      await this.#sleep(left);
    }
  }

  async return(): Promise<IteratorResult<IteratedFuture<F>>> {
    return this.#end();
  }

  /**
   * Waits until a future is done or `ms` pass. Only the timer holds Node: a pending future
   * holds it through its executor's unfinished task.
   */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(() => this.#wake?.(), ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #end(): IteratorResult<IteratedFuture<F>> {
    if (!this.#ended) {
      this.#ended = true;
      for (const future of this.#pending) unwatchFuture(future, this.#onDone);
      this.#pending.clear();
      this.#ready = [];
      this.#readyHead = 0;
      this.#wake?.();
    }
    return { done: true, value: undefined };
  }
}
