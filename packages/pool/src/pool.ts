import { StateError, WorkerCrashedError, type Target } from '@conc/core';
import { holdKeepAlive, releaseKeepAlive, typeName } from '@conc/core/internal';
import { AsyncResult, settleResult } from './async-result.js';
import type { EngineHost, PoolEngine } from './engine.js';
import { ImapIterator, type ImapHost } from './imap-iterator.js';
import { LocalEngine } from './local-engine.js';
import {
  checkApplyOptions,
  checkChunksize,
  checkIterable,
  checkMapOptions,
  parsePoolOptions,
  type ApplyOptions,
  type Input,
  type MapAsyncOptions,
  type PoolOptions,
} from './pool-options.js';
import { allPrimitive, collect, cutChunks } from './map-chunks.js';
import { Mode } from './protocol.js';
import { TargetRegistry } from './target-registry.js';
import { ApplyUnit, Unit, type UnitLedger } from './unit.js';

export type { ApplyOptions, Input, MapAsyncOptions, PoolOptions } from './pool-options.js';

type State = 'running' | 'closed' | 'terminated';

/** `imap` keeps about this many items submitted and not yet consumed. */
const WINDOW_ITEMS = 2048;

let poolIds = 0;

/**
 * A pool of workers running tasks in parallel, on threads (default) or processes.
 * Python: `multiprocessing.Pool` (and `multiprocessing.pool.ThreadPool`, with real parallelism).
 *
 * Tasks are dispatched in batches, several in flight per worker, and a function target is
 * shipped to each worker once; results come back in batches too. Where Python's `Pool`
 * hangs, this one reports: a task that kills its worker rejects with `WorkerCrashedError`, the
 * worker is replaced and the other tasks go on.
 *
 * Idle workers do not keep Node alive; unfinished tasks do.
 *
 * @example
 * ```ts
 * import { Pool } from '@conc/pool';
 * await using pool = new Pool(2);
 * console.log(await pool.map((x: number) => x * x, [1, 2, 3])); // [1, 4, 9]
 * ```
 */
export class Pool implements AsyncDisposable {
  /** The number of workers. */
  readonly processes: number;
  /** `'thread'` or `'process'`. */
  readonly kind: 'thread' | 'process';
  readonly #id = ++poolIds;
  readonly #engine: PoolEngine;
  #state: State = 'running';
  #broken: Error | undefined;
  /** Units submitted and not settled. */
  #outstanding = 0;
  /** `map`s still reading an async input: they will submit. */
  #collecting = 0;
  readonly #targets = new TargetRegistry();
  readonly #iterators = new Set<ImapIterator<unknown>>();
  /** The engine's `close()` or `terminate()`: resolves when its workers have exited. */
  #stopped: Promise<void> | undefined;
  #joined: Promise<void> | undefined;
  #resolveIdle: (() => void) | undefined;

  /**
   * Starts the workers.
   * @param options - The number of workers, or {@link PoolOptions}.
   * @throws RangeError when `processes` or `maxtasksperchild` is not an integer >= 1;
   *   TypeError for a bad `kind`, `initializer` or `initargs`; DataCloneError for
   *   `initargs` that cannot cross.
   */
  constructor(options?: number | PoolOptions) {
    const { engine, resourceLimits, backend, given } = parsePoolOptions(options);
    this.processes = engine.processes;
    this.kind = engine.kind;
    const host: EngineHost = {
      id: this.#id,
      target: (id) => this.#targets.get(id),
      wantsWorkers: () => this.#state === 'running' || this.#outstanding > 0 || this.#iterators.size > 0 || this.#collecting > 0,
      broken: (error) => this.#onBroken(error),
    };
    if (backend) {
      if (resourceLimits !== undefined) throw new TypeError('Pool: resourceLimits applies to a local pool only (a backend starts its workers itself)');
      this.#engine = backend.createPoolEngine(host, engine, given);
    } else {
      this.#engine = new LocalEngine(host, { ...engine, resourceLimits });
    }
  }

  /**
   * Runs `fn(...args)` in a worker and waits for the value. Python: `Pool.apply`.
   * @param fn - The target: a self-contained function or `{ module, export }`.
   * @param args - Its arguments.
   * @returns The value, or a rejection with the task's error (built-in classes rebuilt as
   *   themselves, others as `RemoteError`), `WorkerCrashedError`, or `StateError` (pool closed).
   */
  apply<A extends unknown[], R>(fn: (...args: A) => R, args?: A): Promise<Awaited<R>>;
  apply<R = unknown>(fn: Target, args?: unknown[]): Promise<R>;
  apply(fn: Target, args?: unknown[]): Promise<unknown> {
    try {
      return this.applyAsync(fn, args).get();
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /**
   * Submits `fn(...args)` and returns at once. Python: `Pool.apply_async`.
   * @param fn - The target: a self-contained function or `{ module, export }`.
   * @param args - Its arguments (@conc objects inside arrive live).
   * @param options - `callback`, `errorCallback` (run on this thread, in completion order,
   *   before the result is ready) and `signal`.
   * @returns An {@link AsyncResult}.
   * @throws StateError when the pool is closed; TypeError for a bad target, args or options;
   *   DataCloneError for arguments that cannot cross (all at the call, before anything runs).
   */
  applyAsync<A extends unknown[], R>(fn: (...args: A) => R, args?: A, options?: ApplyOptions<Awaited<R>>): AsyncResult<Awaited<R>>;
  applyAsync<R = unknown>(fn: Target, args?: unknown[], options?: ApplyOptions<R>): AsyncResult<R>;
  applyAsync(fn: Target, args: unknown[] = [], options?: ApplyOptions<unknown>): AsyncResult<unknown> {
    this.#checkOpen('Pool.applyAsync');
    const fnId = this.#targets.idOf(fn, 'Pool.applyAsync');
    if (!Array.isArray(args)) throw new TypeError(`Pool.applyAsync: args must be an array of arguments, got ${typeName(args)}`);
    if (options !== undefined) checkApplyOptions(options);
    const callback = options?.callback;
    const errorCallback = options?.errorCallback;
    const signal = options?.signal;
    // The common case (numbers, strings) skips the walk and its allocations.
    let payload: unknown = args;
    let shared = false;
    if (!allPrimitive(args)) ({ value: payload, shared } = this.#engine.prepare(args, 'args'));
    const result = new AsyncResult<unknown>();
    if (signal?.aborted) {
      settleResult(result, signal.reason, undefined, true, callback, errorCallback);
      return result;
    }
    const unit = new ApplyUnit(this.#ledger, fnId, payload, shared, result, callback, errorCallback);
    if (signal) unit.watch(signal);
    this.#enqueue(unit);
    return result;
  }

  /**
   * Runs `fn(item)` for every item, in parallel, and returns the values in input order.
   * Python: `Pool.map`.
   * @param fn - The target.
   * @param iterable - Any iterable or async iterable (read to the end first).
   * @param chunksize - Items per task; default `ceil(length / (4 * processes))`.
   * @returns The values in order; rejects with the first task error, an error thrown by the
   *   input, `StateError` (pool closed), or `RangeError`/`TypeError` for bad arguments.
   */
  map<T, R>(fn: (item: T) => R, iterable: Input<T>, chunksize?: number): Promise<Awaited<R>[]>;
  map<R = unknown>(fn: Target, iterable: Input<unknown>, chunksize?: number): Promise<R[]>;
  map(fn: Target, iterable: Input<unknown>, chunksize?: number): Promise<unknown[]> {
    try {
      return this.#mapAsync('Pool.map', Mode.Map, fn, iterable, { chunksize }).get();
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /**
   * The non-blocking form of {@link Pool.map}. Python: `Pool.map_async`.
   * @param fn - The target.
   * @param iterable - Any iterable or async iterable.
   * @param options - `chunksize`, `callback`, `errorCallback`.
   * @returns An {@link AsyncResult} of the values in order.
   * @throws StateError when the pool is closed; RangeError/TypeError for bad arguments.
   */
  mapAsync<T, R>(fn: (item: T) => R, iterable: Input<T>, options?: MapAsyncOptions<Awaited<R>>): AsyncResult<Awaited<R>[]>;
  mapAsync<R = unknown>(fn: Target, iterable: Input<unknown>, options?: MapAsyncOptions<R>): AsyncResult<R[]>;
  mapAsync(fn: Target, iterable: Input<unknown>, options: MapAsyncOptions<unknown> = {}): AsyncResult<unknown[]> {
    return this.#mapAsync('Pool.mapAsync', Mode.Map, fn, iterable, checkMapOptions(options, 'Pool.mapAsync'));
  }

  /**
   * Like {@link Pool.map}, with each item an argument list: `fn(...args)`. Python: `Pool.starmap`.
   * @param fn - The target.
   * @param iterable - Iterable (or async iterable) of argument arrays.
   * @param chunksize - Items per task.
   * @returns The values in order (rejects as {@link Pool.map} does).
   */
  starmap<R = unknown>(fn: Target, iterable: Input<unknown[]>, chunksize?: number): Promise<R[]> {
    try {
      return this.#mapAsync('Pool.starmap', Mode.Starmap, fn, iterable, { chunksize }).get() as Promise<R[]>;
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /**
   * The non-blocking form of {@link Pool.starmap}. Python: `Pool.starmap_async`.
   * @param fn - The target.
   * @param iterable - Iterable (or async iterable) of argument arrays.
   * @param options - `chunksize`, `callback`, `errorCallback`.
   * @returns An {@link AsyncResult} of the values in order.
   * @throws StateError when the pool is closed; RangeError/TypeError for bad arguments.
   */
  starmapAsync<R = unknown>(fn: Target, iterable: Input<unknown[]>, options: MapAsyncOptions<R> = {}): AsyncResult<R[]> {
    return this.#mapAsync('Pool.starmapAsync', Mode.Starmap, fn, iterable, checkMapOptions(options, 'Pool.starmapAsync')) as AsyncResult<R[]>;
  }

  /**
   * Lazily maps `fn` over the input, yielding values in input order. Python: `Pool.imap`.
   * Items are pulled only while a bounded window of them is in flight, so an endless
   * generator streams, and leaving the loop (`break`) stops the submitting.
   * @param fn - The target.
   * @param iterable - Any iterable or async iterable, possibly endless.
   * @param chunksize - Items per task (default 1).
   * @returns An async iterator of the values; it throws the first task error (and ends), or,
   *   after the values before it, an error thrown by the input.
   * @throws StateError when the pool is closed; RangeError/TypeError for bad arguments.
   */
  imap<T, R>(fn: (item: T) => R, iterable: Input<T>, chunksize?: number): AsyncIterableIterator<Awaited<R>>;
  imap<R = unknown>(fn: Target, iterable: Input<unknown>, chunksize?: number): AsyncIterableIterator<R>;
  imap(fn: Target, iterable: Input<unknown>, chunksize?: number): AsyncIterableIterator<unknown> {
    return this.#imap('Pool.imap', fn, iterable, chunksize, true);
  }

  /**
   * As {@link Pool.imap}, yielding values in completion order. Python: `Pool.imap_unordered`.
   * @param fn - The target.
   * @param iterable - Any iterable or async iterable, possibly endless.
   * @param chunksize - Items per task (default 1).
   * @returns An async iterator of the values, in the order they finish.
   * @throws StateError when the pool is closed; RangeError/TypeError for bad arguments.
   */
  imapUnordered<T, R>(fn: (item: T) => R, iterable: Input<T>, chunksize?: number): AsyncIterableIterator<Awaited<R>>;
  imapUnordered<R = unknown>(fn: Target, iterable: Input<unknown>, chunksize?: number): AsyncIterableIterator<R>;
  imapUnordered(fn: Target, iterable: Input<unknown>, chunksize?: number): AsyncIterableIterator<unknown> {
    return this.#imap('Pool.imapUnordered', fn, iterable, chunksize, false);
  }

  /**
   * Accepts no more tasks; the workers exit once the submitted ones are done. Python: `close`.
   * `imap` iterators already started go on submitting as they are consumed.
   */
  close(): void {
    if (this.#state !== 'running') return;
    this.#state = 'closed';
    this.#maybeShutDown();
  }

  /**
   * Stops every worker now: every unfinished task rejects with `StateError`, and the promise
   * resolves when no worker is left alive. Python: `terminate`.
   * @returns A promise that resolves once every worker has exited.
   */
  terminate(): Promise<void> {
    if (this.#state !== 'terminated') {
      this.#state = 'terminated';
      this.#fail(new StateError('Pool.terminate(): the pool was terminated before this task finished'));
    }
    return this.#whenJoined();
  }

  /**
   * Waits for the workers to exit, after {@link Pool.close} (all tasks done) or
   * {@link Pool.terminate}. Python: `join`.
   * @returns A promise that resolves when every worker has exited.
   * @throws StateError (as a rejection) when the pool is still running (call `close()` first).
   */
  join(): Promise<void> {
    if (this.#state === 'running') return Promise.reject(new StateError('Pool.join(): call close() or terminate() first (Python: ValueError "Pool is still running")'));
    for (const iterator of this.#iterators) iterator.drain();
    return this.#whenJoined();
  }

  /** `await using pool = new Pool()` terminates it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.terminate();
  }

  // ---- submission -------------------------------------------------------------------------

  #checkOpen(what: string): void {
    if (this.#broken) throw this.#broken;
    if (this.#state !== 'running') throw new StateError(`${what}: the pool is ${this.#state === 'closed' ? 'closed' : 'terminated'} (Python: ValueError "Pool not running")`);
  }

  readonly #ledger: UnitLedger = {
    unitSettled: (unit, wasQueued) => {
      this.#engine.settled(unit, wasQueued);
      if (--this.#outstanding === 0) {
        releaseKeepAlive();
        queueMicrotask(() => this.#maybeShutDown());
      }
    },
  };

  #enqueue(unit: Unit): void {
    if (this.#outstanding++ === 0) holdKeepAlive();
    this.#engine.submit(unit);
  }

  #cancel(unit: Unit, reason: unknown): void {
    unit.finish(true, reason);
  }

  #mapAsync(what: string, mode: Mode, fn: Target, iterable: Input<unknown>, options: MapAsyncOptions<unknown>): AsyncResult<unknown[]> {
    this.#checkOpen(what);
    const fnId = this.#targets.idOf(fn, what);
    const chunksize = checkChunksize(options.chunksize, what);
    const isAsync = checkIterable(iterable, what);
    const result = new AsyncResult<unknown[]>();
    const { callback, errorCallback } = options;
    const fail = (error: unknown): void => settleResult(result, error, undefined, true, callback, errorCallback);
    if (!isAsync) {
      let items: unknown[];
      try {
        // An array is only read (sliced per chunk): no copy needed.
        items = Array.isArray(iterable) ? iterable : Array.from(iterable as Iterable<unknown>);
      } catch (error) {
        fail(error);
        return result;
      }
      this.#startMap(what, mode, fnId, items, chunksize, result, options);
      return result;
    }
    // Reading an async input takes time: hold the process as a submitted task would, and keep
    // a closed pool's workers until its chunks are submitted.
    holdKeepAlive();
    this.#collecting++;
    void collect(iterable as AsyncIterable<unknown>)
      .then((items) => this.#startMap(what, mode, fnId, items, chunksize, result, options), fail)
      .catch(fail)
      .finally(() => {
        releaseKeepAlive();
        this.#collecting--;
        this.#maybeShutDown();
      });
    return result;
  }

  #startMap(what: string, mode: Mode, fnId: number, items: unknown[], chunksize: number | undefined, result: AsyncResult<unknown[]>, options: MapAsyncOptions<unknown>): void {
    if (this.#broken) throw this.#broken;
    if (this.#state === 'terminated') throw new StateError(`${what}: the pool was terminated`);
    const { callback, errorCallback } = options;
    const length = items.length;
    if (length === 0) {
      settleResult(result, undefined, [], false, callback, errorCallback);
      return;
    }
    const size = chunksize ?? this.#engine.defaultChunksize(length);
    const chunks = cutChunks(items, mode, size, (item, index) => this.#prepareItem(item, index, mode));
    const values = new Array<unknown>(length);
    let remaining = chunks.length;
    let failed = false;
    const units: Unit[] = [];
    chunks.forEach(({ payload, shared }, index) => {
      const offset = index * size;
      units.push(new Unit(this.#ledger, fnId, mode, payload, shared, (chunkFailed, value) => {
        if (failed) return;
        if (chunkFailed) {
          failed = true;
          // Python's map fails at the first error; the chunks not started are not run.
          for (const other of units) if (other.state === 'queued') this.#cancel(other, value);
          settleResult(result, value, undefined, true, callback, errorCallback);
          return;
        }
        const chunk = value as unknown[];
        for (let i = 0; i < chunk.length; i++) values[offset + i] = chunk[i];
        if (--remaining === 0) settleResult(result, undefined, values, false, callback, errorCallback);
      }));
    });
    for (const unit of units) this.#enqueue(unit);
  }

  #prepareItem(item: unknown, index: number, mode: Mode): { value: unknown; shared: boolean } {
    if (mode === Mode.Starmap) {
      if (!Array.isArray(item)) {
        if (item === null || typeof item !== 'object' || typeof (item as Iterable<unknown>)[Symbol.iterator] !== 'function') {
          throw new TypeError(`starmap: iterable[${index}] must be an array of arguments, got ${typeName(item)}`);
        }
        item = Array.from(item as Iterable<unknown>);
      }
    }
    if (item === null || (typeof item !== 'object' && typeof item !== 'function' && typeof item !== 'symbol')) return { value: item, shared: false };
    return this.#engine.prepare(item, `iterable[${index}]`);
  }

  #imap(what: string, fn: Target, iterable: Input<unknown>, chunksize: number | undefined, ordered: boolean): AsyncIterableIterator<unknown> {
    this.#checkOpen(what);
    const fnId = this.#targets.idOf(fn, what);
    const size = checkChunksize(chunksize, what) ?? 1;
    const isAsync = checkIterable(iterable, what);
    const source = isAsync ? (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]() : (iterable as Iterable<unknown>)[Symbol.iterator]();
    const window = Math.max(8 * this.processes, Math.ceil(WINDOW_ITEMS / size));
    const host: ImapHost = {
      submitChunk: (items, shared, onDone) => {
        const unit = new Unit(this.#ledger, fnId, Mode.Map, items, shared, onDone);
        if (this.#state === 'terminated' || this.#broken) unit.finish(true, this.#broken ?? new StateError(`${what}: the pool was terminated`));
        else this.#enqueue(unit);
        return unit;
      },
      prepareItem: (item, index) => this.#prepareItem(item, index, Mode.Map),
      cancel: (unit, reason) => this.#cancel(unit, reason),
      release: (iterator) => {
        this.#iterators.delete(iterator);
        this.#maybeShutDown();
      },
    };
    const iterator = new ImapIterator<unknown>(host, source, isAsync, size, window, ordered);
    this.#iterators.add(iterator);
    iterator.start();
    return iterator;
  }

  // ---- life ------------------------------------------------------------------------------

  #onBroken(error: Error): void {
    if (this.#broken || this.#state === 'terminated') return;
    const broken = new WorkerCrashedError(`Pool: the initializer failed in a worker, so the pool is broken: ${error.name}: ${error.message}`, { cause: error });
    this.#broken = broken;
    this.#state = 'terminated';
    this.#fail(broken);
  }

  /** Settles every unfinished task and iterator with `error` and ends the engine. */
  #fail(error: Error): void {
    this.#stopped = this.#engine.terminate(error);
    for (const iterator of [...this.#iterators]) iterator.fail(error);
    this.#resolveIdle?.();
  }

  /** A closed pool with nothing left to do stops its workers. */
  #maybeShutDown(): void {
    if (this.#state !== 'closed' || this.#stopped || this.#outstanding > 0 || this.#iterators.size > 0 || this.#collecting > 0) return;
    this.#stopped = this.#engine.close();
    this.#resolveIdle?.();
  }

  #whenJoined(): Promise<void> {
    if (!this.#joined) {
      // Workers are unref'd: hold the process until they have all exited.
      holdKeepAlive();
      const idle = this.#stopped ? Promise.resolve() : new Promise<void>((resolve) => (this.#resolveIdle = resolve));
      this.#joined = idle.then(() => this.#stopped).finally(releaseKeepAlive);
    }
    return this.#joined;
  }
}
