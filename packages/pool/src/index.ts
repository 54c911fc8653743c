/**
 * Python's `multiprocessing.Pool` and `concurrent.futures` for Node.js: a pool of worker threads
 * (or child processes) running tasks in parallel, with `apply`, `map`, lazy `imap`, `starmap` and
 * `AsyncResult`; and `ThreadPoolExecutor`/`ProcessPoolExecutor` with `submit`, `Future`,
 * `asCompleted` and `wait`, on the same engine.
 *
 * @packageDocumentation
 */
export { Pool, type PoolOptions, type ApplyOptions, type MapAsyncOptions, type Input } from './pool.js';
export { AsyncResult } from './async-result.js';
export type { PoolBackend } from './engine.js';
export { Executor, type ExecutorMapOptions, type ShutdownOptions } from './executor.js';
export { ThreadPoolExecutor } from './thread-pool-executor.js';
export { ProcessPoolExecutor } from './process-pool-executor.js';
export type { ThreadPoolExecutorOptions, ProcessPoolExecutorOptions } from './executor-options.js';
export { Future, type IteratedFuture } from './future.js';
export { asCompleted } from './as-completed.js';
export { wait, type ReturnWhen, type WaitForOptions, type DoneAndNotDone } from './wait.js';
export {
  BrokenExecutorError,
  CancelledError,
  ConcError,
  DataCloneError,
  RemoteError,
  StateError,
  TimeoutError,
  WorkerCrashedError,
  cpuCount,
  type Target,
} from '@conc/core';
