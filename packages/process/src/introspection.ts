import { isMainThread } from 'node:worker_threads';
import { threadIdentity } from '@conc/core/internal';
import { ownProcessName, ownThreadData } from './context.js';
import { liveProcesses, processInternals, type Process } from './process.js';
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

let ownProcess: Process | undefined;
let parent: Process | null | undefined;

/**
 * The `Process` object of the calling process (Python's `multiprocessing.current_process()`):
 * `'MainProcess'` in the program's first process, the `Process`'s name in a child.
 *
 * @returns The current process (its `pid` is `process.pid`).
 * @example
 * ```ts
 * import { currentProcess } from '@conc/process';
 * console.log(currentProcess().name, currentProcess().pid === process.pid); // 'MainProcess' true
 * ```
 */
export function currentProcess(): Process {
  return (ownProcess ??= processInternals.adopt(ownProcessName ?? 'MainProcess', process.env['CONC_PROCESS_DAEMON'] === '1', process.pid));
}

/**
 * The parent of the calling process when it was started by `Process` (Python's
 * `multiprocessing.parent_process()`), otherwise `null`.
 *
 * @returns The parent process (its `pid` is `process.ppid`), or `null`.
 * @example
 * ```ts
 * import { parentProcess } from '@conc/process';
 * console.log(parentProcess()); // null
 * ```
 */
export function parentProcess(): Process | null {
  if (parent === undefined) parent = ownProcessName === undefined ? null : processInternals.adopt('MainProcess', false, process.ppid);
  return parent;
}

/**
 * The child processes started from this thread that are still alive (Python's
 * `multiprocessing.active_children()`).
 *
 * @returns The live children.
 * @example
 * ```ts
 * import { activeChildren } from '@conc/process';
 * console.log(activeChildren().length); // 0
 * ```
 */
export function activeChildren(): Process[] {
  return liveProcesses();
}
