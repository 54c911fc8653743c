import type { ResourceLimits } from 'node:worker_threads';
import { cpuCount, type Target } from '@conc/core';
import { describeTarget, typeName } from '@conc/core/internal';
import type { EngineOptions, PoolBackend } from './engine.js';

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
  /**
   * Runs the pool elsewhere: an `@conc/redis` `RedisBackend` puts its tasks on a Redis queue
   * that workers on any machine serve. `processes` then counts the local workers serving it
   * (`0`: submit only).
   */
  backend?: PoolBackend;
  /** With a `backend`: the queue's name (default `'default'`). */
  name?: string;
  /** With a `backend`: how many times a task whose worker died runs again (default 1). */
  retries?: number;
  /** With a `backend`: how often (ms) workers look for tasks whose worker died (default 30000). */
  stalledInterval?: number;
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

/** What the `Pool` constructor makes of its argument. @internal */
export interface ParsedPoolOptions {
  engine: EngineOptions;
  resourceLimits: ResourceLimits | undefined;
  backend: PoolBackend | undefined;
  /** The options as given, for the backend's own. */
  given: Readonly<Record<string, unknown>>;
}

const BACKEND_ONLY = ['name', 'retries', 'stalledInterval'] as const;

/**
 * Checks the argument of `new Pool(...)`.
 * @internal
 */
export function parsePoolOptions(options: number | PoolOptions | undefined): ParsedPoolOptions {
  const opts: PoolOptions = typeof options === 'number' || options === undefined ? { processes: options } : options;
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError(`Pool: expected the number of workers or { processes?, kind?, initializer?, initargs?, maxtasksperchild?, backend? }, got ${typeName(options)}`);
  }
  const backend = opts.backend ?? undefined;
  if (backend !== undefined && typeof (backend as Partial<PoolBackend> | null)?.createPoolEngine !== 'function') {
    throw new TypeError(`Pool: backend must be a pool backend such as @conc/redis's RedisBackend, got ${typeName(backend)}`);
  }
  if (backend === undefined) {
    for (const name of BACKEND_ONLY) {
      if (opts[name] !== undefined) throw new TypeError(`Pool: ${name} applies only to a pool with a backend (new Pool({ backend, ${name} }))`);
    }
  }
  // With a backend, 0 local workers is a pool that only submits (other machines serve it).
  const processes = checkCount(opts.processes, 'processes', cpuCount(), backend ? 0 : 1);
  const maxtasksperchild = checkCount(opts.maxtasksperchild, 'maxtasksperchild', Infinity);
  const kind = opts.kind ?? 'thread';
  if (kind !== 'thread' && kind !== 'process') throw new TypeError(`Pool: kind must be 'thread' or 'process', got ${typeName(kind)}`);
  const initializer = opts.initializer === undefined || opts.initializer === null ? undefined : describeTarget(opts.initializer, 'Pool: initializer');
  const initargs = opts.initargs ?? [];
  if (!Array.isArray(initargs)) throw new TypeError(`Pool: initargs must be an array of arguments, got ${typeName(initargs)}`);
  return {
    engine: { processes, kind, initializer, initargs, maxtasksperchild },
    resourceLimits: opts.resourceLimits,
    backend,
    given: opts as Readonly<Record<string, unknown>>,
  };
}

function checkCount(value: unknown, name: string, fallback: number, min = 1): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number') throw new TypeError(`Pool: ${name} must be an integer >= ${min}, got ${typeName(value)}`);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`Pool: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

export function checkChunksize(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new TypeError(`${what}: chunksize must be an integer >= 1, got ${typeName(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${what}: chunksize must be an integer >= 1, got ${value}`);
  return value;
}

/** Returns whether the input is async; throws TypeError when it is not iterable at all. @internal */
export function checkIterable(value: unknown, what: string): boolean {
  if (value !== null && value !== undefined) {
    if (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function') return false;
    if (typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return true;
  }
  throw new TypeError(`${what}: iterable must be an iterable or async iterable, got ${typeName(value)}`);
}

export function checkApplyOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`Pool.applyAsync: options must be { callback?, errorCallback?, signal? }, got ${typeName(options)}`);
  const { callback, errorCallback, signal } = options as ApplyOptions<unknown>;
  checkCallback(callback, 'callback', 'Pool.applyAsync');
  checkCallback(errorCallback, 'errorCallback', 'Pool.applyAsync');
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new TypeError(`Pool.applyAsync: signal must be an AbortSignal, got ${typeName(signal)}`);
}

export function checkMapOptions(options: unknown, what: string): MapAsyncOptions<unknown> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${what}: options must be { chunksize?, callback?, errorCallback? }, got ${typeName(options)}`);
  const { chunksize, callback, errorCallback } = options as MapAsyncOptions<unknown>;
  checkCallback(callback, 'callback', what);
  checkCallback(errorCallback, 'errorCallback', what);
  return { chunksize, callback, errorCallback };
}

function checkCallback(value: unknown, name: string, what: string): void {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${what}: ${name} must be a function, got ${typeName(value)}`);
}

