import type { SerializedError } from '@conc/core/internal';
import type { TargetDescriptor } from '@conc/core/internal';

/**
 * The messages between a pool and its workers. One message carries a batch of units (a unit is
 * one task: an `apply` call or one chunk of a `map`), and one reply reports the units finished
 * since the last reply, in order: dispatch costs one message per batch, not one per task.
 */

/**
 * How a unit's payload is called. A plain object rather than a `const enum`, so that other
 * packages (an engine elsewhere) can use it under `isolatedModules`.
 */
export const Mode = {
  /** `payload` is one argument list: `fn(...payload)`. */
  Apply: 0,
  /** `payload` is a chunk of items: `fn(item)` for each. */
  Map: 1,
  /** `payload` is a chunk of argument lists: `fn(...args)` for each. */
  Starmap: 2,
} as const;
/** One of {@link Mode}'s values. */
export type Mode = (typeof Mode)[keyof typeof Mode];

/** Parent to worker: a batch of units, with the targets this worker has not seen yet. @internal */
export interface BatchMessage {
  /** Target definitions `[id, descriptor]` shipped once per worker. */
  defs?: [number, TargetDescriptor][];
  /** Per unit its target id; one number when every unit of the batch has the same. */
  fns: number | number[];
  /** Per unit its {@link Mode}; one when every unit has the same. */
  modes: Mode | Mode[];
  payloads: unknown[];
  /** Whether some payload holds @conc objects to revive (the walk is skipped otherwise). */
  shared: boolean;
}

/** Worker to parent: the next `values.length` units of its in-flight list are finished. @internal */
export interface ReplyMessage {
  /** Per unit: its result (an array of results for a map chunk); `undefined` for a failed one. */
  values: unknown[];
  /** Per unit: the error it failed with, `null` when it succeeded; absent when none failed. */
  errors?: (SerializedError | null)[];
  /** Whether some value holds @conc objects to revive. */
  shared: boolean;
  /** Milliseconds spent running these units, to size later batches. */
  busy: number;
}

/** What a worker learns when it starts. @internal */
export interface WorkerSetup {
  initializer?: TargetDescriptor;
  /** Prepared initializer arguments. */
  initargs: unknown[];
  initShared: boolean;
  /** Thread workers: `[started, finished]` unit counters, so a crash can tell which unit ran. */
  progress?: SharedArrayBuffer;
}

/** Worker to parent: the initializer threw; the pool is broken. @internal */
export interface InitFailedMessage {
  initFailed: SerializedError;
}
