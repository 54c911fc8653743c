/**
 * The shared Atomics core of @conc. Users meet it through the errors every package throws,
 * the `Target` and `WaitOptions` types, and `cpuCount()`; the mechanisms the other packages
 * share (futex waits, shared memory, the transfer protocol, the value codec, target loading)
 * are exported from `@conc/core/internal`.
 *
 * @packageDocumentation
 */
export {
  AuthenticationError,
  BrokenBarrierError,
  BrokenExecutorError,
  CancelledError,
  ConcError,
  DataCloneError,
  EmptyError,
  EOFError,
  FullError,
  RemoteError,
  ShutDownError,
  StateError,
  TimeoutError,
  WorkerCrashedError,
} from './errors.js';
export type { SerializedError } from './errors.js';
export type { WaitOptions } from './wait-options.js';
export type { Target } from './target.js';
export { cpuCount } from './cpu-count.js';
