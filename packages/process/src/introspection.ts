import { isMainThread } from 'node:worker_threads';
import { threadIdentity } from '@conc/core/internal';
import { ownThreadData } from './context.js';
import { liveThreads, threadInternals, type Thread } from './thread.js';

let current: Thread | undefined;
let main: Thread | undefined;

/**
 * The `Thread` object of the calling thread (Python's `threading.current_thread()`): on the
 * main thread the `MainThread`; in a thread started by `Thread`, an object with its name,
 * daemon flag and ident.
 *
 * @returns The calling thread.
 * @example
 * ```ts
 * import { currentThread } from '@conc/process';
 * console.log(currentThread().name); // 'MainThread'
 * ```
 */
export function currentThread(): Thread {
  if (current) return current;
  if (isMainThread) return (current = mainThread());
  const data = ownThreadData;
  current = threadInternals.adopt(data?.name ?? `Worker-${threadIdentity()}`, data?.daemon ?? false, threadIdentity());
  return current;
}

/**
 * The main thread's `Thread` object (Python's `threading.main_thread()`), named `'MainThread'`.
 * In a worker it describes the main thread of the process (its `ident` is the process's first identity).
 *
 * @returns The main thread.
 * @example
 * ```ts
 * import { mainThread } from '@conc/process';
 * console.log(mainThread().name); // 'MainThread'
 * ```
 */
export function mainThread(): Thread {
  if (!main) {
    const base = Number(process.env['CONC_IDENTITY_BASE'] ?? 0) | 0;
    main = threadInternals.adopt('MainThread', false, (base + 1) | 0);
  }
  return main;
}

/**
 * The threads alive that this thread knows: itself and the `Thread`s started from it that
 * are still running (Python's `threading.enumerate()`; threads started by other workers are
 * not visible here: each JavaScript thread has its own heap).
 *
 * @returns The live threads, the calling thread first.
 * @example
 * ```ts
 * import { enumerate } from '@conc/process';
 * console.log(enumerate().map((t) => t.name)); // ['MainThread']
 * ```
 */
export function enumerate(): Thread[] {
  return [currentThread(), ...liveThreads()];
}

/**
 * How many threads {@link enumerate} returns (Python's `threading.active_count()`).
 *
 * @returns The number of live threads known here, at least 1.
 * @example
 * ```ts
 * import { activeCount } from '@conc/process';
 * console.log(activeCount()); // 1
 * ```
 */
export function activeCount(): number {
  return enumerate().length;
}
