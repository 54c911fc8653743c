/**
 * Python's `queue` module and `multiprocessing.Pipe` for Node.js: `Queue`, `LifoQueue`,
 * `PriorityQueue`, `SimpleQueue` and `Pipe`, living in shared memory so that the main thread,
 * worker threads, child processes and pool workers all use the same queue.
 *
 * @packageDocumentation
 */
export { Queue } from './queue.js';
export { LifoQueue } from './lifo-queue.js';
export { PriorityQueue } from './priority-queue.js';
export { SimpleQueue } from './simple-queue.js';
export { Pipe } from './pipe.js';
export { Connection } from './connection.js';
export { EmptyError, FullError, ShutDownError, StateError, EOFError, TimeoutError, DataCloneError, ConcError, type WaitOptions } from '@conc/core';
