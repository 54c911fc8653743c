/**
 * Python's `threading.Thread`, `threading.Timer` and `multiprocessing.Process` for Node.js:
 * threads on `worker_threads`, processes on `child_process`, with @conc objects passed in their
 * args working on both sides.
 *
 * @packageDocumentation
 */
export { Thread, type ThreadOptions } from './thread.js';
export { Timer } from './timer.js';
export type { RunOptions } from './options.js';
export { currentThread, mainThread, enumerate, activeCount } from './introspection.js';
export {
  ConcError, StateError, DataCloneError, RemoteError, WorkerCrashedError, cpuCount, type Target,
} from '@conc/core';
