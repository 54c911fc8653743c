/**
 * The same `Pool` and `Manager` across machines: tasks travel through BullMQ, shared objects
 * live in Redis.
 *
 * @packageDocumentation
 */
export { RedisBackend, type RedisBackendOptions } from './redis-backend.js';
export { serve, type ServeOptions, type ServeHandle } from './serve.js';
export {
  BrokenBarrierError,
  ConcError,
  DataCloneError,
  EmptyError,
  FullError,
  RemoteError,
  ShutDownError,
  StateError,
  TimeoutError,
  WorkerCrashedError,
} from '@conc/core';
