import { cpuCount, type Target } from '@conc/core';
import { describeTarget, typeName } from '@conc/core/internal';
import type { PoolBackend } from './engine.js';
import type { ExecutorSetup } from './executor.js';

/**
 * Options of {@link ThreadPoolExecutor}. Python: the arguments of
 * `concurrent.futures.ThreadPoolExecutor`.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type ThreadPoolExecutorOptions } from '@conc/pool';
 * const options: ThreadPoolExecutorOptions = {
 *   maxWorkers: 2,
 *   initializer: (name: string) => ((globalThis as { service?: string }).service = name),
 *   initargs: ['inventory'],
 * };
 * await using executor = new ThreadPoolExecutor(options);
 * console.log(await executor.submit(() => (globalThis as { service?: string }).service)); // 'inventory'
 * ```
 */
export interface ThreadPoolExecutorOptions {
  /** The most workers it starts (default `cpuCount()`), one more whenever a task finds none idle. */
  maxWorkers?: number;
  /** Runs once in each worker before its first task; a failure breaks the executor. */
  initializer?: Target;
  /** Arguments of `initializer`. */
  initargs?: unknown[];
  /**
   * Runs the tasks elsewhere, as `Pool`'s option of the same name: an `@conc/redis`
   * `RedisBackend` puts them on a Redis queue that workers on any machine serve.
   */
  backend?: PoolBackend;
  /** With a `backend`: the queue's name (default `'default'`). */
  name?: string;
  /** With a `backend`: how many times a task whose worker died runs again (default 1). */
  retries?: number;
  /** With a `backend`: how often (ms) workers look for tasks whose worker died. */
  stalledInterval?: number;
}

/**
 * Options of {@link ProcessPoolExecutor}. Python: the arguments of
 * `concurrent.futures.ProcessPoolExecutor`.
 *
 * @example
 * ```ts
 * import { ProcessPoolExecutor, type ProcessPoolExecutorOptions } from '@conc/pool';
 * const options: ProcessPoolExecutorOptions = { maxWorkers: 1, maxTasksPerChild: 2 };
 * await using executor = new ProcessPoolExecutor(options);
 * const pids = [];
 * for (let i = 0; i < 3; i++) pids.push(await executor.submit(() => process.pid));
 * console.log(pids[0] === pids[1], pids[1] === pids[2]); // true false
 * ```
 */
export interface ProcessPoolExecutorOptions extends ThreadPoolExecutorOptions {
  /** Replace a worker process after it has run this many tasks; default never. */
  maxTasksPerChild?: number;
}

const BACKEND_ONLY = ['name', 'retries', 'stalledInterval'] as const;

/** Checks an executor's constructor argument. @internal */
export function parseExecutorOptions(
  name: ExecutorSetup['name'],
  options: number | ProcessPoolExecutorOptions | undefined,
): ExecutorSetup {
  const opts: ProcessPoolExecutorOptions = typeof options === 'number' || options === undefined || options === null ? { maxWorkers: options ?? undefined } : options;
  const accepted = name === 'ProcessPoolExecutor' ? '{ maxWorkers?, initializer?, initargs?, maxTasksPerChild?, backend? }' : '{ maxWorkers?, initializer?, initargs?, backend? }';
  if (typeof opts !== 'object') throw new TypeError(`${name}: expected the most workers or ${accepted}, got ${typeName(options)}`);
  if (name === 'ThreadPoolExecutor' && (opts as { maxTasksPerChild?: unknown }).maxTasksPerChild !== undefined) {
    throw new TypeError('ThreadPoolExecutor: maxTasksPerChild applies to ProcessPoolExecutor only (as in Python)');
  }
  const backend = opts.backend ?? undefined;
  if (backend !== undefined && typeof (backend as Partial<PoolBackend> | null)?.createPoolEngine !== 'function') {
    throw new TypeError(`${name}: backend must be a pool backend such as @conc/redis's RedisBackend, got ${typeName(backend)}`);
  }
  if (backend === undefined) {
    for (const option of BACKEND_ONLY) {
      if (opts[option] !== undefined) throw new TypeError(`${name}: ${option} applies only to an executor with a backend (new ${name}({ backend, ${option} }))`);
    }
  }
  const processes = checkCount(opts.maxWorkers, 'maxWorkers', name, cpuCount());
  const maxtasksperchild = checkCount(opts.maxTasksPerChild, 'maxTasksPerChild', name, Infinity);
  const initializer = opts.initializer === undefined || opts.initializer === null ? undefined : describeTarget(opts.initializer, `${name}: initializer`);
  const initargs = opts.initargs ?? [];
  if (!Array.isArray(initargs)) throw new TypeError(`${name}: initargs must be an array of arguments, got ${typeName(initargs)}`);
  const kind = name === 'ProcessPoolExecutor' ? 'process' : 'thread';
  const { maxWorkers: _maxWorkers, maxTasksPerChild: _maxTasksPerChild, ...rest } = opts;
  return {
    name,
    engine: { processes, kind, initializer, initargs, maxtasksperchild },
    backend,
    given: { ...rest, processes, kind, maxtasksperchild: opts.maxTasksPerChild },
  };
}

function checkCount(value: unknown, option: string, name: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${name}: ${option} must be an integer >= 1, got ${typeName(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name}: ${option} must be an integer >= 1 (Python: "max_workers must be greater than 0"), got ${value}`);
  return value;
}
