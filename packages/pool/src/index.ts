/**
 * Python's `multiprocessing.Pool` for Node.js: a pool of worker threads (or child processes)
 * running tasks in parallel, with `apply`, `map`, lazy `imap`, `starmap` and `AsyncResult`.
 *
 * @packageDocumentation
 */
export { Pool, type PoolOptions, type ApplyOptions, type MapAsyncOptions, type Input } from './pool.js';
export { AsyncResult } from './async-result.js';
export type { PoolBackend } from './engine.js';
export {
  ConcError,
  DataCloneError,
  RemoteError,
  StateError,
  TimeoutError,
  WorkerCrashedError,
  cpuCount,
  type Target,
} from '@conc/core';
