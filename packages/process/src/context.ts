import { isMainThread, workerData } from 'node:worker_threads';

/** What a `Thread`'s worker receives in `workerData` under {@link THREAD_DATA}. @internal */
export interface ThreadData {
  target: import('@conc/core/internal').TargetDescriptor | undefined;
  self: unknown;
  args: unknown;
  /** The URL of `@conc/core/target`, resolved by the parent (see `targetLoaderUrl`). */
  loader: string;
  /** Whether `self` or `args` hold @conc objects (prepared descriptors, to revive). */
  shared: boolean;
  name: string;
  daemon: boolean;
  /** Word 0: 0 before start, 1 running, 2 ended. */
  state: Int32Array;
  port: import('node:worker_threads').MessagePort;
  traceFlag: Int32Array;
  names: Int32Array;
  /** A `Timer`'s interval and its cancel word (1 = cancelled). */
  delay?: number;
  cancel?: Int32Array;
}

/** The key of our data in `workerData`. @internal */
export const THREAD_DATA = '__concThread';

/** Word 0 of a thread's or process's state. @internal */
export const NOT_STARTED = 0;
/** @internal */
export const RUNNING = 1;
/** @internal */
export const ENDED = 2;

/** This worker's data when it was started by `Thread`. @internal */
export const ownThreadData: ThreadData | undefined = isMainThread
  ? undefined
  : ((workerData as Record<string, unknown> | null)?.[THREAD_DATA] as ThreadData | undefined);

/** The child-process facts set in the environment by `Process`. @internal */
export const ownProcessName: string | undefined = process.env['CONC_PROCESS_NAME'];

/**
 * Counters for default names, shared by every thread of a process, so that `Thread-N` is
 * unique in the process as in Python (index 0: threads, 1: processes).
 * @internal
 */
export const nameCounters: Int32Array = ownThreadData?.names ?? new Int32Array(new SharedArrayBuffer(8));

/** The next default name: `Thread-1`, `Process-1`, ... @internal */
export function nextName(kind: 'Thread' | 'Process'): string {
  const index = kind === 'Thread' ? 0 : 1;
  return `${kind}-${Atomics.add(nameCounters, index, 1) + 1}`;
}

/** The identity base of this process (see @conc/core's identity), so that `ident` equals the thread's identity. @internal */
export const identityBase: number = Number(process.env['CONC_IDENTITY_BASE'] ?? 0) | 0;

/**
 * How many threads and processes this thread has started (a worker with none exits at once).
 * Kept on `globalThis`: a thread's entry (`thread-main.cjs`, CommonJS for a fast start) has
 * its own copy of this module, and must see the count that `Thread` and `Process` keep here.
 * Everything else in this module derives from per-thread facts (`workerData`, the
 * environment), so the two copies agree.
 * @internal
 */
export const started: { count: number } = ((globalThis as Record<symbol, unknown>)[Symbol.for('@conc/process.started')] ??= { count: 0 }) as { count: number };
