/**
 * Python's threading primitives living in shared memory: `Lock`, `RLock`, `Condition`,
 * `Semaphore`, `BoundedSemaphore`, `Event`, `Barrier`, `Value` and `SharedArray`, each
 * working across worker threads and processes, each wait in an async form that never blocks
 * the event loop and a blocking `*Sync` form.
 *
 * @packageDocumentation
 */
export { Lock } from './lock.js';
export { RLock } from './rlock.js';
export { Condition } from './condition.js';
export { Semaphore, BoundedSemaphore } from './semaphore.js';
export { Event } from './event.js';
export { Barrier, type BarrierOptions } from './barrier.js';
export { Value, type SharedOptions } from './value.js';
export { SharedArray } from './shared-array.js';
export type { ValueType, ValueOf } from './element-type.js';
export type { LockOption } from './guarded.js';
export type { Guard } from './scoped.js';
export { ConcError, StateError, TimeoutError, BrokenBarrierError } from '@conc/core';
export type { WaitOptions } from '@conc/core';
