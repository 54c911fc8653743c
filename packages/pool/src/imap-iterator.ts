import type { Unit } from './unit.js';

/** What an `imap` iterator needs from its pool. @internal */
export interface ImapHost {
  /** Submits one chunk of items (already checked and prepared); `onDone` gets its result array. */
  submitChunk(items: unknown[], shared: boolean, onDone: (failed: boolean, result: unknown) => void): Unit;
  /** Makes an item ready to cross (throws DataCloneError/TypeError naming `iterable[index]`). */
  prepareItem(item: unknown, index: number): { value: unknown; shared: boolean };
  cancel(unit: Unit, reason: unknown): void;
  /** The iterator has finished: it will submit nothing more. */
  release(iterator: ImapIterator<unknown>): void;
}

interface Chunk {
  index: number;
  unit: Unit | undefined;
  settled: boolean;
  failed: boolean;
  result: unknown;
}

/**
 * The lazy iterator behind `imap` and `imapUnordered`: it pulls items from the input (sync or
 * async) only while fewer than `window` chunks are submitted and not yet consumed, so an
 * endless generator streams in flat memory, and leaving the loop stops the submitting.
 *
 * Ends at the first failed task (JavaScript's `for await` leaves the loop when `next()`
 * throws); an error thrown by the input comes after the results of the items before it.
 * @internal
 */
export class ImapIterator<R> implements AsyncIterableIterator<R> {
  readonly #host: ImapHost;
  readonly #source: Iterator<unknown> | AsyncIterator<unknown>;
  readonly #sourceIsAsync: boolean;
  readonly #chunksize: number;
  readonly #window: number;
  readonly #ordered: boolean;
  /** Chunks submitted and not consumed, by submission index (ordered) or completion (unordered). */
  readonly #chunks = new Map<number, Chunk>();
  readonly #ready: Chunk[] = [];
  #submitted = 0;
  #consumed = 0;
  #itemIndex = 0;
  #feeding = false;
  #sourceDone = false;
  #sourceError: { error: unknown } | undefined;
  #failure: { error: unknown } | undefined;
  #finished = false;
  #unbounded = false;
  #buffer: unknown[] = [];
  #bufferHead = 0;
  #wakeConsumer: (() => void) | undefined;
  #wakeFeeder: (() => void) | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  /** Calls of `next()`/`return()` not finished yet: while there are none, a ready value skips the chain. */
  #calls = 0;

  constructor(host: ImapHost, source: Iterator<unknown> | AsyncIterator<unknown>, sourceIsAsync: boolean, chunksize: number, window: number, ordered: boolean) {
    this.#host = host;
    this.#source = source;
    this.#sourceIsAsync = sourceIsAsync;
    this.#chunksize = chunksize;
    this.#window = window;
    this.#ordered = ordered;
  }

  /** @internal Starts pulling the input (once the pool has registered this iterator). */
  start(): void {
    void this.#feed();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<R>> {
    if (this.#calls === 0) {
      const ready = this.#take();
      if (ready) return Promise.resolve(ready);
    }
    this.#calls++;
    const step = this.#chain.then(() => this.#next());
    this.#chain = step.then(this.#callDone, this.#callDone);
    return step;
  }

  readonly #callDone = (): void => {
    this.#calls--;
  };

  /** The next value when one is ready now (the fast path of `next()`). */
  #take(): IteratorResult<R> | undefined {
    if (this.#bufferHead >= this.#buffer.length) {
      if (this.#finished || this.#failure) return undefined;
      const chunk = this.#ordered ? this.#chunks.get(this.#consumed) : this.#ready[0];
      if (!chunk?.settled || chunk.failed) return undefined;
      this.#consume(chunk);
    }
    return this.#bufferHead < this.#buffer.length ? { done: false, value: this.#buffer[this.#bufferHead++] as R } : undefined;
  }

  #consume(chunk: Chunk): void {
    if (!this.#ordered) this.#ready.shift();
    this.#chunks.delete(chunk.index);
    this.#consumed++;
    // Refill in bulk, once half the window is free, rather than one chunk at a time.
    if (this.#submitted - this.#consumed <= this.#window >> 1) this.#wakeFeeder?.();
    this.#buffer = chunk.result as unknown[];
    this.#bufferHead = 0;
  }

  /** Leaving the loop: stops pulling the input, drops the chunks not yet run. */
  return(value?: unknown): Promise<IteratorResult<R>> {
    this.#calls++;
    const step = this.#chain.then(async () => {
      await this.#finish();
      return { done: true, value: value as R } as IteratorResult<R>;
    });
    this.#chain = step.then(this.#callDone, this.#callDone);
    return step;
  }

  /** @internal The pool was terminated or broke: the next `next()` rejects with `error`. */
  fail(error: unknown): void {
    if (this.#finished) return;
    this.#failure ??= { error };
    this.#wake();
  }

  /** @internal `join()` waits for this iterator: submit everything now, buffering results. */
  drain(): void {
    this.#unbounded = true;
    this.#wake();
  }

  async #feed(): Promise<void> {
    this.#feeding = true;
    try {
      while (!this.#finished && !this.#failure && !this.#sourceDone) {
        if (!this.#unbounded && this.#submitted - this.#consumed >= this.#window) {
          await new Promise<void>((resolve) => (this.#wakeFeeder = resolve));
          continue;
        }
        const items: unknown[] = [];
        let shared = false;
        while (items.length < this.#chunksize) {
          const step = this.#sourceIsAsync ? await (this.#source as AsyncIterator<unknown>).next() : (this.#source as Iterator<unknown>).next();
          if (step.done) {
            this.#sourceDone = true;
            break;
          }
          const prepared = this.#host.prepareItem(step.value, this.#itemIndex++);
          if (prepared.shared) shared = true;
          items.push(prepared.value);
          if (this.#finished || this.#failure) return;
        }
        if (items.length > 0) this.#submit(items, shared);
      }
    } catch (error) {
      this.#sourceError = { error };
      this.#sourceDone = true;
    } finally {
      this.#feeding = false;
      // Everything is submitted: the pool need not wait for this consumer to shut down.
      if (this.#sourceDone) this.#host.release(this as ImapIterator<unknown>);
      this.#wake();
    }
  }

  #submit(items: unknown[], shared: boolean): void {
    const index = this.#submitted++;
    const chunk: Chunk = { index, unit: undefined, settled: false, failed: false, result: undefined };
    this.#chunks.set(index, chunk);
    chunk.unit = this.#host.submitChunk(items, shared, (failed, result) => {
      chunk.settled = true;
      chunk.failed = failed;
      chunk.result = result;
      if (!this.#ordered) this.#ready.push(chunk);
      const consumer = this.#wakeConsumer;
      this.#wakeConsumer = undefined;
      consumer?.();
    });
  }

  async #next(): Promise<IteratorResult<R>> {
    for (;;) {
      if (this.#bufferHead < this.#buffer.length) return { done: false, value: this.#buffer[this.#bufferHead++] as R };
      if (this.#finished) return { done: true, value: undefined };
      if (this.#failure) {
        const { error } = this.#failure;
        await this.#finish();
        throw error;
      }
      const chunk = this.#ordered ? this.#chunks.get(this.#consumed) : this.#ready[0];
      if (chunk?.settled) {
        if (chunk.failed) {
          await this.#finish();
          throw chunk.result;
        }
        this.#consume(chunk);
        continue;
      }
      if (!this.#feeding && this.#sourceDone && this.#submitted === this.#consumed) {
        const sourceError = this.#sourceError;
        await this.#finish();
        if (sourceError) throw sourceError.error;
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
    }
  }

  #wake(): void {
    const consumer = this.#wakeConsumer;
    const feeder = this.#wakeFeeder;
    this.#wakeConsumer = undefined;
    this.#wakeFeeder = undefined;
    consumer?.();
    feeder?.();
  }

  async #finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    this.#buffer = [];
    this.#bufferHead = 0;
    for (const chunk of this.#chunks.values()) {
      if (!chunk.settled && chunk.unit) this.#host.cancel(chunk.unit, undefined);
    }
    this.#chunks.clear();
    this.#ready.length = 0;
    this.#wake();
    this.#host.release(this as ImapIterator<unknown>);
    if (!this.#sourceDone) {
      this.#sourceDone = true;
      try {
        await this.#source.return?.();
      } catch {
        // The loop is being left; a failing cleanup of the input has nobody to report to.
      }
    }
  }
}

