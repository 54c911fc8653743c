import { BrokenExecutorError, StateError, type Target } from '@conc/core';
import { checkTimeout, deadlineAfter, holdKeepAlive, releaseKeepAlive, trace, traceChannel, typeName } from '@conc/core/internal';
import type { EngineHost, EngineOptions, PoolBackend, PoolEngine } from './engine.js';
import { ExecutorMapIterator } from './executor-map.js';
import type { Future } from './future.js';
import { FutureUnit } from './future-unit.js';
import { LocalEngine } from './local-engine.js';
import type { Input } from './pool-options.js';
import { Mode } from './protocol.js';
import { TargetRegistry } from './target-registry.js';
import type { UnitLedger } from './unit.js';

/**
 * Options of {@link Executor.map}.
 *
 * @example
 * ```ts
 * import type { ExecutorMapOptions } from '@conc/pool';
 * const options: ExecutorMapOptions = { timeout: 5000, chunksize: 100, buffersize: 8 };
 * console.log(options.chunksize); // 100
 * ```
 */
export interface ExecutorMapOptions {
  /** Milliseconds, counted from the call, by which each next result must be ready; default forever. */
  timeout?: number;
  /** Items per task (default 1), on both executors. */
  chunksize?: number;
  /**
   * At most this many tasks (chunks) submitted and not yet yielded: the input is then read
   * as results are consumed, so an endless input streams. Default: everything at the call.
   */
  buffersize?: number;
}

/**
 * Options of {@link Executor.shutdown}.
 *
 * @example
 * ```ts
 * import type { ShutdownOptions } from '@conc/pool';
 * const options: ShutdownOptions = { wait: true, cancelFutures: true };
 * console.log(options.cancelFutures); // true
 * ```
 */
export interface ShutdownOptions {
  /** Resolve once every task has finished and every worker exited (default `true`). */
  wait?: boolean;
  /** Cancel the futures no worker has started yet (default `false`). */
  cancelFutures?: boolean;
}

/** What the executors' constructors hand their base class, checked. @internal */
export interface ExecutorSetup {
  name: 'ThreadPoolExecutor' | 'ProcessPoolExecutor';
  engine: EngineOptions;
  backend: PoolBackend | undefined;
  given: Readonly<Record<string, unknown>>;
}

let executorIds = 0;

/**
 * What {@link ThreadPoolExecutor} and {@link ProcessPoolExecutor} share: `submit`, `map`,
 * `shutdown`. Python: `concurrent.futures.Executor`. Tasks run on the pool's engine (the
 * same batching dispatcher as `Pool`); workers start as tasks arrive, up to `maxWorkers`.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type Executor } from '@conc/pool';
 * const executor: Executor = new ThreadPoolExecutor(2);
 * console.log(await executor.submit((a: number, b: number) => a + b, 1, 2)); // 3
 * await executor.shutdown();
 * ```
 */
export abstract class Executor implements AsyncDisposable {
  readonly #id = ++executorIds;
  readonly #name: string;
  readonly #engine: PoolEngine;
  readonly #targets = new TargetRegistry();
  #shutdown = false;
  #broken: BrokenExecutorError | undefined;
  /** Units submitted and not settled, for `cancelFutures` and a broken executor. */
  readonly #units = new Set<FutureUnit<unknown>>();
  #stopped: Promise<void> | undefined;
  #resolveIdle: (() => void) | undefined;
  #idle: Promise<void> | undefined;

  /** @internal */
  constructor(setup: ExecutorSetup) {
    this.#name = setup.name;
    const host: EngineHost = {
      id: this.#id,
      target: (id) => this.#targets.get(id),
      wantsWorkers: () => !this.#shutdown || this.#units.size > 0,
      broken: (error) => this.#onBroken(error),
    };
    this.#engine = setup.backend ? setup.backend.createPoolEngine(host, setup.engine, setup.given) : new LocalEngine(host, { ...setup.engine, lazy: true });
    if (traceChannel.hasSubscribers) trace('start', this.#name, this.#id, { maxWorkers: setup.engine.processes });
  }

  /**
   * Schedules `fn(...args)` on a worker. Python: `Executor.submit`.
   * @param fn - The target: a self-contained function or `{ module, export }`.
   * @param args - Its arguments (@conc objects inside arrive live).
   * @returns The task's {@link Future}.
   * @throws StateError after `shutdown()`; BrokenExecutorError once an initializer failed;
   *   TypeError for a bad target; DataCloneError for arguments that cannot cross (at the call,
   *   before anything runs: `submit` returns a future, not a promise).
   */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>>;
  submit<R = unknown>(fn: Target, ...args: unknown[]): Future<R>;
  submit(fn: Target, ...args: unknown[]): Future<unknown> {
    this.#checkOpen('submit');
    const fnId = this.#targets.idOf(fn, `${this.#name}.submit`);
    let payload: unknown = args;
    let shared = false;
    if (!allPrimitive(args)) ({ value: payload, shared } = this.#engine.prepare(args, 'args'));
    return this.#enqueue(new FutureUnit<unknown>(this.#ledger, fnId, Mode.Apply, payload, shared));
  }

  /**
   * Runs `fn(item)` for every item and yields the values in input order. Python:
   * `Executor.map` (one iterable; zip several yourself).
   *
   * Without `buffersize`, the whole input is read and submitted at the call; with it, at most
   * `buffersize` tasks wait to be consumed. When the iterator throws (a task's error, or the
   * timeout) it ends and cancels the tasks not yet started; leaving the loop early does too.
   * @param fn - The target.
   * @param iterable - Any iterable or async iterable.
   * @param options - `timeout` (ms from the call, for each next value), `chunksize`, `buffersize`.
   * @returns An async iterator of the values.
   * @throws StateError after `shutdown()`; BrokenExecutorError; TypeError/RangeError for bad
   *   arguments; DataCloneError for an item that cannot cross, or the input's own error (all at
   *   the call when the input is read there).
   */
  map<T, R>(fn: (item: T) => R, iterable: Input<T>, options?: ExecutorMapOptions): AsyncIterableIterator<Awaited<R>>;
  map<R = unknown>(fn: Target, iterable: Input<unknown>, options?: ExecutorMapOptions): AsyncIterableIterator<R>;
  map(fn: Target, iterable: Input<unknown>, options?: ExecutorMapOptions): AsyncIterableIterator<unknown> {
    const what = `${this.#name}.map`;
    this.#checkOpen('map');
    const fnId = this.#targets.idOf(fn, what);
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`${what}: options must be { timeout?, chunksize?, buffersize? }, got ${typeName(options)}`);
    }
    const timeout = checkTimeout(options?.timeout, what);
    const chunksize = checkPositive(options?.chunksize, 'chunksize', what) ?? 1;
    const buffersize = checkPositive(options?.buffersize, 'buffersize', what);
    let isAsync: boolean;
    if (iterable !== null && iterable !== undefined && typeof (iterable as Iterable<unknown>)[Symbol.iterator] === 'function') isAsync = false;
    else if (iterable !== null && iterable !== undefined && typeof (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') isAsync = true;
    else throw new TypeError(`${what}: iterable must be an iterable or async iterable, got ${typeName(iterable)}`);
    const deadline = deadlineAfter(timeout);
    const host = {
      submitChunk: (items: unknown[], start: number): Future<unknown> => {
        this.#checkOpen('map');
        const { payload, shared } = this.#prepareChunk(items, start);
        return this.#enqueue(new FutureUnit<unknown>(this.#ledger, fnId, mode, payload, shared));
      },
    };
    // A chunk of one runs as a plain call, `fn(item)`: no chunk loop in the worker.
    const mode = chunksize === 1 ? Mode.Apply : Mode.Map;
    const window = buffersize ?? Infinity;
    if (isAsync) {
      const source = (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      return new ExecutorMapIterator(host, { source, isAsync, submitted: [], deadline, timeout, chunksize, window });
    }
    if (buffersize !== undefined) {
      const source = (iterable as Iterable<unknown>)[Symbol.iterator]();
      return new ExecutorMapIterator(host, { source, isAsync, submitted: [], deadline, timeout, chunksize, window });
    }
    // As in Python: the input is read and every task submitted at the call. Everything is
    // prepared before anything is submitted, so a bad item leaves nothing half-done.
    const items = Array.isArray(iterable) ? iterable : Array.from(iterable as Iterable<unknown>);
    const prepared: { payload: unknown; shared: boolean }[] = [];
    for (let start = 0; start < items.length; start += chunksize) prepared.push(this.#prepareChunk(items.slice(start, start + chunksize), start));
    const submitted = prepared.map(({ payload, shared }) => this.#enqueue(new FutureUnit<unknown>(this.#ledger, fnId, mode, payload, shared)));
    return new ExecutorMapIterator(host, { isAsync, submitted, deadline, timeout, chunksize, window });
  }

  /**
   * Signals that no more tasks will be submitted and, by default, waits for the submitted ones
   * and for the workers to exit. Python: `Executor.shutdown`.
   *
   * Calling it again is harmless. With `cancelFutures`, the futures no worker has started are
   * cancelled; the others still run. With `wait: false` it resolves at once and the workers
   * exit once the work is done.
   * @param options - `wait` (default `true`) and `cancelFutures` (default `false`).
   * @returns A promise that resolves when done waiting.
   * @throws (as a rejection) TypeError for bad options.
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      return Promise.reject(new TypeError(`${this.#name}.shutdown: options must be { wait?, cancelFutures? }, got ${typeName(options)}`));
    }
    const wait = options?.wait ?? true;
    const cancelFutures = options?.cancelFutures ?? false;
    if (typeof wait !== 'boolean' || typeof cancelFutures !== 'boolean') {
      return Promise.reject(new TypeError(`${this.#name}.shutdown: wait and cancelFutures must be booleans, got ${typeName(typeof wait !== 'boolean' ? wait : cancelFutures)}`));
    }
    this.#shutdown = true;
    if (cancelFutures) for (const unit of [...this.#units]) unit.future.cancel();
    this.#maybeStop();
    if (!wait) return Promise.resolve();
    // Workers are unref'd: hold the process until they have all exited.
    if (!this.#idle) {
      holdKeepAlive();
      const idle = this.#stopped ? Promise.resolve() : new Promise<void>((resolve) => (this.#resolveIdle = resolve));
      this.#idle = idle.then(() => this.#stopped).finally(releaseKeepAlive);
    }
    return this.#idle;
  }

  /** `await using executor = new ThreadPoolExecutor()` calls `shutdown()` at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #checkOpen(what: string): void {
    if (this.#broken) throw this.#broken;
    if (this.#shutdown) throw new StateError(`${this.#name}.${what}: cannot schedule new futures after shutdown (Python: RuntimeError)`);
  }

  /** Prepares a chunk's items in place (the array is the caller's own slice). */
  #prepareChunk(items: unknown[], start: number): { payload: unknown; shared: boolean } {
    let shared = false;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (item === null || (typeof item !== 'object' && typeof item !== 'function' && typeof item !== 'symbol')) continue;
      const prepared = this.#engine.prepare(item, `iterable[${start + i}]`);
      if (prepared.shared) shared = true;
      items[i] = prepared.value;
    }
    return { payload: items, shared };
  }

  readonly #ledger: UnitLedger = {
    unitSettled: (unit, wasQueued) => {
      this.#engine.settled(unit, wasQueued);
      this.#units.delete(unit as FutureUnit<unknown>);
      if (this.#units.size === 0) {
        releaseKeepAlive();
        if (this.#shutdown) queueMicrotask(() => this.#maybeStop());
      }
    },
  };

  #enqueue<R>(unit: FutureUnit<R>): Future<R> {
    // Unfinished tasks keep Node alive; idle workers do not.
    if (this.#units.size === 0) holdKeepAlive();
    this.#units.add(unit as FutureUnit<unknown>);
    this.#engine.submit(unit);
    return unit.future;
  }

  /** A shut-down executor with nothing left to do stops its workers. */
  #maybeStop(): void {
    if (!this.#shutdown || this.#stopped || this.#units.size > 0) return;
    this.#stopped = this.#engine.close();
    this.#resolveIdle?.();
  }

  #onBroken(error: Error): void {
    if (this.#broken) return;
    const broken = new BrokenExecutorError(`${this.#name}: an initializer failed in a worker, so the executor is not usable anymore: ${error.name}: ${error.message}`, { cause: error });
    this.#broken = broken;
    this.#shutdown = true;
    this.#stopped = this.#engine.terminate(broken);
    this.#resolveIdle?.();
  }
}

function checkPositive(value: unknown, name: string, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new TypeError(`${what}: ${name} must be an integer >= 1, got ${typeName(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what}: ${name} must be an integer >= 1, got ${value}`);
  return value;
}

function allPrimitive(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value !== null && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')) return false;
  }
  return true;
}
