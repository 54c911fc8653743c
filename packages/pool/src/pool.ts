import { connect } from 'node:net';
import type { ResourceLimits } from 'node:worker_threads';
import { DataCloneError, StateError, WorkerCrashedError, cpuCount, type Target } from '@conc/core';
import {
  deserializeError,
  describeTarget,
  holdKeepAlive,
  prepare,
  releaseKeepAlive,
  reviveSync,
  trace,
  traceChannel,
  typeName,
  type Shareable,
  type SharedDescriptor,
  type TargetDescriptor,
} from '@conc/core/internal';
import { handleFor } from '@conc/process/internal';
import { AsyncResult, settleResult } from './async-result.js';
import { packBatch } from './batch-buffer.js';
import { ImapIterator, type ImapHost } from './imap-iterator.js';
import { Mode, type BatchMessage, type ReplyMessage, type WorkerSetup } from './protocol.js';
import { ApplyUnit, Unit, type UnitLedger } from './unit.js';
import { WorkerSlot } from './worker-slot.js';

/**
 * Options of {@link Pool}. Python: the arguments of `multiprocessing.Pool`.
 *
 * @example
 * ```ts
 * import { Pool, type PoolOptions } from '@conc/pool';
 * const options: PoolOptions = {
 *   processes: 2,
 *   initializer: (greeting: string) => ((globalThis as { greeting?: string }).greeting = greeting),
 *   initargs: ['hello'],
 *   maxtasksperchild: 100,
 * };
 * await using pool = new Pool(options);
 * console.log(await pool.apply(() => (globalThis as { greeting?: string }).greeting)); // 'hello'
 * ```
 */
export interface PoolOptions {
  /** How many workers (default `cpuCount()`); an integer >= 1. */
  processes?: number;
  /** `'thread'` (default): `worker_threads`; `'process'`: child processes. */
  kind?: 'thread' | 'process';
  /** Runs once in each worker before its first task (a failure breaks the pool). */
  initializer?: Target;
  /** Arguments of `initializer`. */
  initargs?: unknown[];
  /** Replace a worker after it has run this many tasks (a map chunk counts as one); default never. */
  maxtasksperchild?: number;
  /** Thread workers only: V8 heap limits of each worker (`worker_threads` `resourceLimits`). */
  resourceLimits?: ResourceLimits;
}

/**
 * Options of {@link Pool.applyAsync}.
 *
 * @example
 * ```ts
 * import { Pool } from '@conc/pool';
 * await using pool = new Pool(1);
 * const controller = new AbortController();
 * const result = pool.applyAsync((x: number) => x + 1, [41], {
 *   callback: (value) => console.log('got', value), // runs before `result` is ready
 *   errorCallback: (error) => console.error(error),
 *   signal: controller.signal,
 * });
 * console.log(await result); // 42, after 'got 42'
 * ```
 */
export interface ApplyOptions<R> {
  /** Called on the caller's thread with the value, before the result is ready. */
  callback?: (value: R) => void;
  /** Called on the caller's thread with the error, before the result is ready. */
  errorCallback?: (error: unknown) => void;
  /** Aborting removes a queued task; a running one rejects with the abort reason at once. */
  signal?: AbortSignal;
}

/**
 * Options of {@link Pool.mapAsync} and {@link Pool.starmapAsync}.
 *
 * @example
 * ```ts
 * import { Pool } from '@conc/pool';
 * await using pool = new Pool(2);
 * const result = pool.mapAsync((x: number) => x * 10, [1, 2, 3], { chunksize: 2, callback: (values) => console.log(values) });
 * await result.wait();
 * console.log(result.successful()); // true, after [10, 20, 30]
 * ```
 */
export interface MapAsyncOptions<R> {
  /** Items per task; default `ceil(length / (4 * processes))`, as in Python. */
  chunksize?: number;
  /** Called on the caller's thread with all the values, before the result is ready. */
  callback?: (values: R[]) => void;
  /** Called on the caller's thread with the first error, before the result is ready. */
  errorCallback?: (error: unknown) => void;
}

type State = 'running' | 'closed' | 'terminated';
type Fn = (...args: any[]) => unknown;
/**
 * What `map`, `imap` and friends accept as input: any iterable or async iterable, consumed
 * lazily (an endless generator streams through `imap`).
 *
 * @example
 * ```ts
 * import type { Input } from '@conc/pool';
 * const numbers: Input<number> = [1, 2, 3];
 * console.log(Array.isArray(numbers)); // true
 * ```
 */
export type Input<T> = Iterable<T> | AsyncIterable<T>;

/** Batches in flight per worker while tasks are short: the next batch waits in the worker. */
const PIPELINE = 2;
/**
 * Tasks longer than this (ms on average) are not pipelined, so no task waits behind a long one
 * while a worker idles. Until the first reply tells how long tasks take, batches hold one task
 * and are not pipelined either: one round trip costs far less than a task stuck behind a slow one.
 */
const LONG_TASK_MS = 1;
/** A batch aims at about this much work (ms), once task times are known. */
const BATCH_MS = 2;
const MAX_BATCH = 2048;
/** A batch carries at most about this many bytes of big arguments (buffers, long strings). */
const BATCH_BYTES = 1 << 20;
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
  readonly #maxtasks: number;
  readonly #setup: WorkerSetup;
  readonly #resourceLimits: ResourceLimits | undefined;
  #state: State = 'running';
  #broken: Error | undefined;
  #slots: WorkerSlot[] = [];
  #rotate = 0;
  #queue: Unit[] = [];
  #queueHead = 0;
  #queued = 0;
  #outstanding = 0;
  #pumpScheduled = false;
  /** Average run time of one item (ms: a call of an `apply`, an item of a map chunk), by target id; absent until measured. */
  readonly #itemMs: number[] = [];
  readonly #targetIds = new WeakMap<Fn, number>();
  readonly #targetKeys = new Map<string, number>();
  readonly #targets = new Map<number, TargetDescriptor>();
  readonly #iterators = new Set<ImapIterator<unknown>>();
  #joined: Promise<void> | undefined;
  #resolveJoined: (() => void) | undefined;

  /**
   * Starts the workers.
   * @param options - The number of workers, or {@link PoolOptions}.
   * @throws RangeError when `processes` or `maxtasksperchild` is not an integer >= 1;
   *   TypeError for a bad `kind`, `initializer` or `initargs`; DataCloneError for
   *   `initargs` that cannot cross.
   */
  constructor(options?: number | PoolOptions) {
    const opts: PoolOptions = typeof options === 'number' || options === undefined ? { processes: options } : options;
    if (typeof opts !== 'object' || opts === null) {
      throw new TypeError(`Pool: expected the number of workers or { processes?, kind?, initializer?, initargs?, maxtasksperchild? }, got ${typeName(options)}`);
    }
    this.processes = checkCount(opts.processes, 'processes', cpuCount());
    this.#maxtasks = checkCount(opts.maxtasksperchild, 'maxtasksperchild', Infinity);
    const kind = opts.kind ?? 'thread';
    if (kind !== 'thread' && kind !== 'process') throw new TypeError(`Pool: kind must be 'thread' or 'process', got ${typeName(kind)}`);
    this.kind = kind;
    const initializer = opts.initializer === undefined || opts.initializer === null ? undefined : describeTarget(opts.initializer, 'Pool: initializer');
    const initargs = opts.initargs ?? [];
    if (!Array.isArray(initargs)) throw new TypeError(`Pool: initargs must be an array of arguments, got ${typeName(initargs)}`);
    const prepared = prepareFor(kind, initargs, 'initargs');
    this.#setup = { initializer, initargs: prepared.value as unknown[], initShared: prepared.shared };
    const limits = opts.resourceLimits;
    if (limits !== undefined && (typeof limits !== 'object' || limits === null)) throw new TypeError(`Pool: resourceLimits must be an object of worker_threads resource limits, got ${typeName(limits)}`);
    if (limits !== undefined && kind === 'process') throw new TypeError("Pool: resourceLimits applies to kind 'thread' only (a process worker's heap is set with --max-old-space-size)");
    this.#resourceLimits = limits;
    if (prepared.shared && kind === 'process' && !brokerListening) {
      // The children's initializer reaches the broker at once: start them once it listens.
      holdKeepAlive();
      void whenBrokerListens().then(() => {
        releaseKeepAlive();
        if (this.#state === 'terminated' || (this.#state === 'closed' && this.#outstanding === 0)) return;
        while (this.#slots.length < this.processes) this.#spawn();
        this.#pump();
      });
    } else {
      for (let i = 0; i < this.processes; i++) this.#spawn();
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
    const fnId = this.#targetId(fn, 'Pool.applyAsync');
    if (!Array.isArray(args)) throw new TypeError(`Pool.applyAsync: args must be an array of arguments, got ${typeName(args)}`);
    if (options !== undefined) checkApplyOptions(options);
    const callback = options?.callback;
    const errorCallback = options?.errorCallback;
    const signal = options?.signal;
    // The common case (numbers, strings) skips the walk and its allocations.
    let payload: unknown = args;
    let shared = false;
    if (!allPrimitive(args)) ({ value: payload, shared } = prepareFor(this.kind, args, 'args'));
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
      this.#failAll(new StateError('Pool.terminate(): the pool was terminated before this task finished'));
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

  #targetId(fn: Target, what: string): number {
    if (typeof fn === 'function') {
      const known = this.#targetIds.get(fn);
      if (known !== undefined) return known;
    }
    const descriptor = describeTarget(fn, what);
    const key = descriptor.type === 'source' ? `s:${descriptor.source}` : `m:${descriptor.module}#${descriptor.export}`;
    let id = this.#targetKeys.get(key);
    if (id === undefined) {
      id = this.#targetKeys.size + 1;
      this.#targetKeys.set(key, id);
      this.#targets.set(id, descriptor);
    }
    if (typeof fn === 'function') this.#targetIds.set(fn, id);
    return id;
  }

  readonly #ledger: UnitLedger = {
    unitSettled: (wasQueued) => {
      if (wasQueued) this.#queued--;
      if (--this.#outstanding === 0) {
        releaseKeepAlive();
        queueMicrotask(() => this.#maybeShutDown());
      }
    },
  };

  #enqueue(unit: Unit): void {
    if (this.#outstanding++ === 0) holdKeepAlive();
    this.#queue.push(unit);
    this.#queued++;
    if (!this.#pumpScheduled) {
      this.#pumpScheduled = true;
      queueMicrotask(() => {
        this.#pumpScheduled = false;
        this.#pump();
      });
    }
  }

  #cancel(unit: Unit, reason: unknown): void {
    unit.finish(true, reason);
  }

  #mapAsync(what: string, mode: Mode, fn: Target, iterable: Input<unknown>, options: MapAsyncOptions<unknown>): AsyncResult<unknown[]> {
    this.#checkOpen(what);
    const fnId = this.#targetId(fn, what);
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
    // Reading an async input takes time: hold the process as a submitted task would.
    holdKeepAlive();
    void collect(iterable as AsyncIterable<unknown>)
      .then((items) => this.#startMap(what, mode, fnId, items, chunksize, result, options), fail)
      .catch(fail)
      .finally(releaseKeepAlive);
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
    const size = chunksize ?? Math.ceil(length / (this.processes * 4));
    const chunks: { payload: unknown[] | Float64Array; shared: boolean }[] = [];
    // Numbers are read once into one Float64Array; its chunks are views of it, copied into one
    // buffer per batch when sent (see #sendBatch).
    const numbers = mode === Mode.Map && size > 16 ? toFloat64(items) : undefined;
    for (let start = 0; start < length; start += size) {
      const end = Math.min(start + size, length);
      if (numbers) {
        chunks.push({ payload: numbers.subarray(start, end), shared: false });
        continue;
      }
      if (mode === Mode.Map && end - start > 16) {
        const packed = toFloat64(items, start, end);
        if (packed) {
          chunks.push({ payload: packed, shared: false });
          continue;
        }
      }
      const payload = items.slice(start, end);
      let shared = false;
      for (let i = 0; i < payload.length; i++) {
        const prepared = this.#prepareItem(payload[i], start + i, mode);
        if (prepared.shared) shared = true;
        payload[i] = prepared.value;
      }
      chunks.push({ payload, shared });
    }
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
    return prepareFor(this.kind, item, `iterable[${index}]`);
  }

  #imap(what: string, fn: Target, iterable: Input<unknown>, chunksize: number | undefined, ordered: boolean): AsyncIterableIterator<unknown> {
    this.#checkOpen(what);
    const fnId = this.#targetId(fn, what);
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

  // ---- dispatch ---------------------------------------------------------------------------

  #spawn(): void {
    const slot = new WorkerSlot(this.kind, this.#setup, this.#maxtasks, {
      reply: (from, reply) => this.#onReply(from, reply),
      initFailed: (_from, error) => this.#onInitFailed(error),
      exit: (from, crash) => this.#onExit(from, crash),
    }, this.#resourceLimits);
    this.#slots.push(slot);
    if (traceChannel.hasSubscribers) trace('start', 'Pool', this.#id, { worker: slot.id, workerKind: this.kind });
  }

  /** The next queued unit, skipping the settled ones. */
  #head(): Unit | undefined {
    while (this.#queueHead < this.#queue.length) {
      const unit = this.#queue[this.#queueHead]!;
      if (unit.state === 'queued') return unit;
      this.#queueHead++;
    }
    return undefined;
  }

  #batchSize(ms: number): number {
    if (ms < 0) return 1;
    const workers = this.#slots.length;
    const guided = Math.ceil(this.#queued / (workers * 4));
    const cap = Math.min(MAX_BATCH, Math.max(1, Math.floor(BATCH_MS / Math.max(ms, 1e-6))));
    // Guided (shrinking) batches balance the tail; while every worker can get a quarter of the
    // time budget, the tail costs less than the messages that smaller batches would take.
    const floor = Math.min(Math.ceil(cap / 4), Math.floor(this.#queued / workers));
    return Math.max(1, Math.min(cap, Math.max(guided, floor)));
  }

  #pump(): void {
    if (this.#state === 'terminated' || this.#broken) return;
    let sent = true;
    while (sent && this.#queued > 0) {
      sent = false;
      const count = this.#slots.length;
      for (let k = 0; k < count && this.#queued > 0; k++) {
        const slot = this.#slots[(this.#rotate + k) % count]!;
        if (slot.stopping || slot.exited || slot.quota <= 0 || slot.batchSizes.length >= PIPELINE) continue;
        const head = this.#head();
        if (!head) break;
        if (head.shared && this.kind === 'process' && !brokerListening) {
          holdKeepAlive();
          void whenBrokerListens().then(() => {
            releaseKeepAlive();
            this.#pump();
          });
          return;
        }
        const itemMs = this.#itemMs[head.fnId];
        const ms = itemMs === undefined ? -1 : itemMs * head.items;
        // Not pipelined: long tasks, tasks not measured yet, and suspects of a crash (alone).
        const alone = head.suspect || slot.batchSizes.length > 0 && this.#inFlightSuspect(slot);
        if (slot.batchSizes.length > 0 && (alone || ms < 0 || ms > LONG_TASK_MS)) continue;
        if (this.#sendBatch(slot, head.suspect ? 1 : Math.min(this.#batchSize(ms), slot.quota))) sent = true;
      }
      this.#rotate = (this.#rotate + 1) % Math.max(1, count);
    }
    if (this.#queueHead > 4096 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#queueHead);
      this.#queueHead = 0;
    }
  }

  #sendBatch(slot: WorkerSlot, size: number): boolean {
    const units: Unit[] = [];
    const fns: number[] = [];
    const modes: Mode[] = [];
    const payloads: unknown[] = [];
    let shared = false;
    let defs: [number, TargetDescriptor][] | undefined;
    let bytes = 0;
    while (units.length < size && this.#queueHead < this.#queue.length) {
      const unit = this.#queue[this.#queueHead]!;
      if (unit.state !== 'queued') {
        this.#queueHead++;
        continue;
      }
      // Big arguments go a few at a time: one huge message serialises while workers idle.
      if (units.length > 0 && (bytes + unit.bytes > BATCH_BYTES || unit.suspect)) break;
      bytes += unit.bytes;
      this.#queueHead++;
      unit.state = 'sent';
      this.#queued--;
      units.push(unit);
      fns.push(unit.fnId);
      modes.push(unit.mode);
      payloads.push(unit.payload);
      if (unit.shared) shared = true;
      if (!slot.known.has(unit.fnId)) {
        slot.known.add(unit.fnId);
        (defs ??= []).push([unit.fnId, this.#targets.get(unit.fnId)!]);
      }
    }
    if (units.length === 0) return false;
    const message: BatchMessage = { defs, fns, modes, payloads, shared };
    const packed = packBatch(payloads);
    try {
      slot.send(message, units, packed);
    } catch (error) {
      // Structured clone refused a payload that prepare let through: fail only that unit.
      if (defs) for (const [id] of defs) slot.known.delete(id);
      for (let i = 0; i < units.length; i++) {
        const unit = units[i]!;
        unit.state = 'queued';
        this.#queued++;
        try {
          structuredClone(unit.payload);
        } catch (cloneError) {
          unit.finish(true, new DataCloneError('args', (cloneError as Error).message || String(error)));
        }
      }
      this.#queueHead -= units.length;
      for (let i = 0; i < units.length; i++) this.#queue[this.#queueHead + i] = units[i]!;
      return units.some((unit) => unit.state === 'done');
    }
    slot.quota -= units.length;
    if (traceChannel.hasSubscribers) trace('put', 'Pool', this.#id, { worker: slot.id, tasks: units.length });
    return true;
  }

  #inFlightSuspect(slot: WorkerSlot): boolean {
    for (let i = slot.inFlightHead; i < slot.inFlight.length; i++) if (slot.inFlight[i]!.suspect) return true;
    return false;
  }

  #onReply(slot: WorkerSlot, reply: ReplyMessage): void {
    const count = reply.values.length;
    const units = slot.takeReported(count);
    const values = reply.shared ? (reviveSync(reply.values) as unknown[]) : reply.values;
    const errors = reply.errors;
    for (let i = 0; i < count; i++) {
      const unit = units[i]!;
      if (unit.state !== 'sent') continue;
      const error = errors?.[i];
      if (error) unit.finish(true, deserializeError(error));
      else unit.finish(false, values[i]);
    }
    // Per item, not per unit: a map's chunks of 12,500 items and of 1,000 then compare right.
    let items = 0;
    for (let i = 0; i < count; i++) items += units[i]!.items;
    const perItem = reply.busy / Math.max(1, items);
    let last = -1;
    for (let i = 0; i < count; i++) {
      const fnId = units[i]!.fnId;
      if (fnId === last) continue;
      last = fnId;
      const before = this.#itemMs[fnId];
      this.#itemMs[fnId] = before === undefined ? perItem : before * 0.7 + perItem * 0.3;
    }
    if (traceChannel.hasSubscribers) trace('get', 'Pool', this.#id, { worker: slot.id, tasks: count });
    if (slot.quota <= 0 && slot.pendingCount === 0 && !slot.stopping) void slot.stop();
    this.#pump();
  }

  #onExit(slot: WorkerSlot, crash: WorkerCrashedError | undefined): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
    if (traceChannel.hasSubscribers) trace('exit', 'Pool', this.#id, { worker: slot.id, crashed: crash !== undefined });
    if (this.#state !== 'terminated' && !this.#broken) {
      const pending = slot.inFlight.slice(slot.inFlightHead);
      const running = crash ? slot.runningIndex() : -1;
      const again: Unit[] = [];
      for (let i = 0; i < pending.length; i++) {
        const unit = pending[i]!;
        if (unit.state !== 'sent') continue;
        if (i === running) unit.finish(true, crash);
        else again.push(unit);
      }
      // Units that had not run (or whose results were lost with the worker) run again elsewhere.
      // When the worker could not tell which one was running (a process), each runs alone, so
      // that the one that kills its worker again is the one blamed.
      for (const unit of again) {
        unit.state = 'queued';
        if (running === -2) unit.suspect = true;
      }
      this.#queued += again.length;
      this.#queue.splice(this.#queueHead, 0, ...again);
      if (this.#state === 'running' || this.#outstanding > 0 || this.#iterators.size > 0) {
        while (this.#slots.length < this.processes) this.#spawn();
      }
      this.#pump();
    }
    this.#maybeShutDown();
    this.#checkJoined();
  }

  #onInitFailed(error: Error): void {
    if (this.#broken || this.#state === 'terminated') return;
    this.#broken = new WorkerCrashedError(`Pool: the initializer failed in a worker, so the pool is broken: ${error.name}: ${error.message}`, { cause: error });
    this.#state = 'terminated';
    this.#failAll(this.#broken);
  }

  #failAll(error: Error): void {
    const unfinished: Unit[] = [];
    for (let i = this.#queueHead; i < this.#queue.length; i++) unfinished.push(this.#queue[i]!);
    this.#queue = [];
    this.#queueHead = 0;
    for (const slot of this.#slots) for (let i = slot.inFlightHead; i < slot.inFlight.length; i++) unfinished.push(slot.inFlight[i]!);
    for (const unit of unfinished) unit.finish(true, error);
    for (const iterator of [...this.#iterators]) iterator.fail(error);
    for (const slot of [...this.#slots]) void slot.stop();
    this.#checkJoined();
  }

  #maybeShutDown(): void {
    if (this.#state !== 'closed' || this.#outstanding > 0 || this.#iterators.size > 0) return;
    for (const slot of [...this.#slots]) if (!slot.stopping) void slot.stop();
    this.#checkJoined();
  }

  #whenJoined(): Promise<void> {
    if (!this.#joined) {
      // Workers are unref'd: hold the process until they have all exited.
      holdKeepAlive();
      this.#joined = new Promise<void>((resolve) => (this.#resolveJoined = resolve)).finally(releaseKeepAlive);
      this.#checkJoined();
    }
    return this.#joined;
  }

  #checkJoined(): void {
    const idle = this.#state === 'terminated' || (this.#outstanding === 0 && this.#iterators.size === 0);
    if (this.#resolveJoined && this.#state !== 'running' && this.#slots.length === 0 && idle) {
      this.#resolveJoined();
      this.#resolveJoined = undefined;
    }
  }
}

/**
 * `values[start..end]` as a Float64Array, or `undefined` when one is not a number. One pass in
 * a small function of its own, which V8 optimizes after a few calls.
 */
function toFloat64(values: unknown[], start = 0, end = values.length): Float64Array | undefined {
  const packed = new Float64Array(end - start);
  for (let i = start; i < end; i++) {
    const value = values[i];
    if (typeof value !== 'number') return undefined;
    packed[i - start] = value;
  }
  return packed;
}

function allPrimitive(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value !== null && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')) return false;
  }
  return true;
}

function checkCount(value: unknown, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number') throw new TypeError(`Pool: ${name} must be an integer >= 1, got ${typeName(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`Pool: ${name} must be an integer >= 1, got ${value}`);
  return value;
}

function checkChunksize(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new TypeError(`${what}: chunksize must be an integer >= 1, got ${typeName(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what}: chunksize must be an integer >= 1, got ${value}`);
  return value;
}

/** Returns whether the input is async; throws TypeError when it is not iterable at all. */
function checkIterable(value: unknown, what: string): boolean {
  if (value !== null && value !== undefined) {
    if (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') return false;
    if (typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return true;
  }
  throw new TypeError(`${what}: iterable must be an iterable or async iterable, got ${typeName(value)}`);
}

function checkApplyOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`Pool.applyAsync: options must be { callback?, errorCallback?, signal? }, got ${typeName(options)}`);
  const { callback, errorCallback, signal } = options as ApplyOptions<unknown>;
  checkCallback(callback, 'callback', 'Pool.applyAsync');
  checkCallback(errorCallback, 'errorCallback', 'Pool.applyAsync');
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`Pool.applyAsync: signal must be an AbortSignal, got ${typeName(signal)}`);
}

function checkMapOptions(options: unknown, what: string): MapAsyncOptions<unknown> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${what}: options must be { chunksize?, callback?, errorCallback? }, got ${typeName(options)}`);
  const { chunksize, callback, errorCallback } = options as MapAsyncOptions<unknown>;
  checkCallback(callback, 'callback', what);
  checkCallback(errorCallback, 'errorCallback', what);
  return { chunksize, callback, errorCallback };
}

function checkCallback(value: unknown, name: string, what: string): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${what}: ${name} must be a function, got ${typeName(value)}`);
}

/**
 * Prepares a value for a worker. For a process worker, each @conc object becomes a handle of
 * @conc/process's broker, which serves it to the child over a socket (shared memory does not
 * reach another process).
 */
function prepareFor(kind: 'thread' | 'process', value: unknown, path: string): { value: unknown; shared: boolean } {
  return kind === 'process' ? prepare(value, path, { mapDescriptor: brokerHandle }) : prepare(value, path);
}

let brokerSocket: string | undefined;
let brokerReady: Promise<void> | undefined;
let brokerListening = false;

function brokerHandle(descriptor: SharedDescriptor, object: Shareable): unknown {
  const marked = handleFor(descriptor, object);
  brokerSocket ??= marked['socket'] as string;
  return marked;
}

/**
 * The broker starts listening on its own thread a moment after its first handle: a child that
 * connected before that would be refused. Children are sent handles only once a probe connects.
 */
function whenBrokerListens(): Promise<void> {
  brokerReady ??= new Promise<void>((resolve) => {
    const started = performance.now();
    const attempt = (): void => {
      const socket = connect({ path: brokerSocket! });
      socket.once('connect', () => {
        socket.destroy();
        brokerListening = true;
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        // Give up waiting after a while: the children then report the broker's failure.
        if (performance.now() - started > 10_000) resolve();
        else setTimeout(attempt, 5);
      });
    };
    attempt();
  });
  return brokerReady;
}

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
