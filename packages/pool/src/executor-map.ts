import { TimeoutError } from '@conc/core';
import { remaining } from '@conc/core/internal';
import type { Future } from './future.js';

/** What a map iterator asks of its executor. @internal */
export interface MapHost {
  /**
   * Submits one chunk of raw input items (`start` is the index of the first): a future of
   * the chunk's values (anything indexable), or of the one value when chunks hold one item.
   * Throws when the executor takes no more tasks or an item cannot cross.
   */
  submitChunk(items: unknown[], start: number): Future<unknown>;
}

type Source = Iterator<unknown> | AsyncIterator<unknown>;

/**
 * The iterator of `Executor.map`: the chunks' futures in input order, each waited for (within
 * what is left of the timeout counted from the call) and its values yielded one by one.
 *
 * Without `buffersize`, a sync input was read and submitted whole at the call; with it, at most
 * `buffersize` chunks are submitted and not yet yielded (one more while the next is waited
 * for, as in CPython), and the input is read as results are consumed. An async input is read
 * in the background, within the same window. An error thrown by the input, or a submission
 * refused, comes after the values before it.
 * @internal
 */
export class ExecutorMapIterator<R> implements AsyncIterableIterator<R> {
  readonly #host: MapHost;
  readonly #deadline: number;
  readonly #timeout: number;
  readonly #chunksize: number;
  readonly #window: number;
  /** Futures of submitted chunks not yet yielded, oldest first. */
  #futures: Future<unknown>[] = [];
  #head = 0;
  #values: ArrayLike<unknown> | undefined;
  #valueIndex = 0;
  #source: Source | undefined;
  readonly #isAsync: boolean;
  /** Items read so far (for argument paths). */
  #read = 0;
  /** The error that ends the input (thrown by it, or a refused submission), after the values before it. */
  #inputError: { error: unknown } | undefined;
  #pulling = false;
  #progress: (() => void) | undefined;
  #ended = false;

  constructor(host: MapHost, options: { source?: Source; isAsync: boolean; submitted: Future<unknown>[]; deadline: number; timeout: number; chunksize: number; window: number }) {
    this.#host = host;
    this.#source = options.source;
    this.#isAsync = options.isAsync;
    this.#futures = options.submitted;
    this.#read = options.submitted.length * options.chunksize;
    this.#deadline = options.deadline;
    this.#timeout = options.timeout;
    this.#chunksize = options.chunksize;
    this.#window = options.window;
    if (this.#source && this.#isAsync) void this.#pullAsync();
    else if (this.#source) this.#pullSync(this.#window, this.#window);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<R>> {
    for (;;) {
      if (this.#values) {
        const value = this.#values[this.#valueIndex++] as R;
        if (this.#valueIndex >= this.#values.length) this.#values = undefined;
        return { done: false, value };
      }
      if (this.#ended) return { done: true, value: undefined };
      if (this.#head === this.#futures.length) {
        if (this.#inputError) {
          const { error } = this.#inputError;
          this.#end();
          throw error;
        }
        if (!this.#source) return this.#end();
        if (this.#isAsync) await this.#waitForProgress();
        else this.#pullSync(1, this.#window);
        continue;
      }
      // Top up before waiting, as CPython does: `buffersize` futures stay submitted meanwhile.
      if (this.#source && !this.#isAsync) this.#pullSync(1, this.#window + 1);
      const future = this.#futures[this.#head]!;
      this.#futures[this.#head++] = undefined as never;
      if (this.#head > 1024 && this.#head * 2 > this.#futures.length) {
        this.#futures = this.#futures.slice(this.#head);
        this.#head = 0;
      }
      if (this.#source && this.#isAsync) void this.#pullAsync();
      let values: ArrayLike<unknown>;
      try {
        const result = await this.#resultOf(future);
        values = this.#chunksize === 1 ? [result] : (result as ArrayLike<unknown>);
      } catch (error) {
        future.cancel();
        this.#end();
        throw error;
      }
      if (values.length > 0) {
        this.#values = values;
        this.#valueIndex = 0;
      }
    }
  }

  async return(): Promise<IteratorResult<R>> {
    return this.#end();
  }

  #resultOf(future: Future<unknown>): Promise<unknown> {
    if (this.#deadline === Infinity) return future.result();
    const left = remaining(this.#deadline);
    return future.result(left).catch((error: unknown) => {
      if (error instanceof TimeoutError && !future.done()) {
        throw new TimeoutError(`Executor.map: the next result was not ready within ${this.#timeout} ms of the call`);
      }
      throw error;
    });
  }

  /** Reads and submits up to `chunks` chunks of a sync input, while fewer than `limit` are pending. */
  #pullSync(chunks: number, limit: number): void {
    const source = this.#source as Iterator<unknown>;
    for (let n = 0; n < chunks && this.#pending() < limit; n++) {
      const items: unknown[] = [];
      try {
        while (items.length < this.#chunksize) {
          const step = source.next();
          if (step.done) {
            this.#source = undefined;
            break;
          }
          items.push(step.value);
        }
      } catch (error) {
        this.#source = undefined;
        this.#inputError = { error };
      }
      if (items.length > 0 && !this.#submit(items)) return;
      if (!this.#source) return;
    }
  }

  /** Reads an async input in the background while the window has room. */
  async #pullAsync(): Promise<void> {
    if (this.#pulling) return;
    this.#pulling = true;
    try {
      while (this.#source && !this.#ended && this.#pending() < this.#window) {
        const source = this.#source as AsyncIterator<unknown>;
        const items: unknown[] = [];
        try {
          while (items.length < this.#chunksize) {
            const step = await source.next();
            if (step.done) {
              this.#source = undefined;
              break;
            }
            items.push(step.value);
          }
        } catch (error) {
          this.#source = undefined;
          this.#inputError = { error };
        }
        if (this.#ended) return;
        if (items.length > 0) this.#submit(items);
        this.#progress?.();
      }
    } finally {
      this.#pulling = false;
      this.#progress?.();
    }
  }

  #submit(items: unknown[]): boolean {
    try {
      this.#futures.push(this.#host.submitChunk(items, this.#read));
      this.#read += items.length;
      return true;
    } catch (error) {
      this.#closeSource();
      this.#inputError = { error };
      return false;
    }
  }

  #pending(): number {
    return this.#futures.length - this.#head;
  }

  #waitForProgress(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const left = remaining(this.#deadline);
      const timer = left === Infinity ? undefined : setTimeout(() => {
        this.#progress = undefined;
        this.#end();
        reject(new TimeoutError(`Executor.map: the next result was not ready within ${this.#timeout} ms of the call`));
      }, left);
      this.#progress = () => {
        clearTimeout(timer);
        this.#progress = undefined;
        resolve();
      };
    });
  }

  #closeSource(): void {
    const source = this.#source;
    this.#source = undefined;
    try {
      const returned = source?.return?.();
      if (returned instanceof Promise) returned.catch(noop);
    } catch {
      // The input's own clean-up failing changes nothing for the results.
    }
  }

  /** Ends the iteration: the futures not yet yielded are cancelled (those not started). */
  #end(): IteratorResult<R> {
    if (this.#ended) return { done: true, value: undefined };
    this.#ended = true;
    this.#closeSource();
    for (let i = this.#head; i < this.#futures.length; i++) this.#futures[i]!.cancel();
    this.#futures = [];
    this.#head = 0;
    this.#values = undefined;
    this.#progress?.();
    return { done: true, value: undefined };
  }
}

function noop(): void {}
