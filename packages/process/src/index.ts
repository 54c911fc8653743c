/**
 * Python's `threading.Thread`, `threading.Timer` and `multiprocessing.Process` for Node.js:
 * threads on `worker_threads`, processes on `child_process`, with `@conc` objects passed in their
 * args working on both sides.
 *
 * @packageDocumentation
 */
export { Thread, type ThreadOptions } from './thread.js';
export { Timer } from './timer.js';
export { Process, type ProcessOptions } from './process.js';
export type { RunOptions } from './options.js';
export {
  currentThread, mainThread, enumerate, activeCount, currentProcess, parentProcess, activeChildren,
} from './introspection.js';
export {
  ConcError, StateError, DataCloneError, RemoteError, TimeoutError, WorkerCrashedError, cpuCount, type Target,
} from '@conc/core';
// Registers the kind of broker handles, so that a handle reaching any thread can be revived.
import './handle.js';
