import { Executor } from './executor.js';
import { parseExecutorOptions, type ThreadPoolExecutorOptions } from './executor-options.js';

/**
 * An executor running tasks on worker threads. Python: `concurrent.futures.ThreadPoolExecutor`,
 * with real parallelism (each worker is a `worker_threads` thread with its own event loop).
 *
 * Workers start as tasks arrive: one more whenever a task finds no idle worker, up to
 * `maxWorkers` (default `cpuCount()`). Idle workers do not keep Node alive; unfinished tasks do.
 * A task whose worker dies fails with `WorkerCrashedError`; the worker is replaced and the
 * executor goes on. A failing initializer breaks it (`BrokenExecutorError`).
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, asCompleted } from '@conc/pool';
 * await using executor = new ThreadPoolExecutor(4);
 * const futures = [1, 2, 3].map((n) => executor.submit((x: number) => x * x, n));
 * for await (const future of asCompleted(futures)) console.log(await future.result()); // 1, 4, 9 in completion order
 * ```
 */
export class ThreadPoolExecutor extends Executor {
  /**
   * @param options - The most workers, or {@link ThreadPoolExecutorOptions}.
   * @throws RangeError when `maxWorkers` is not an integer >= 1; TypeError for a bad
   *   `initializer`, `initargs` or `backend`; DataCloneError for `initargs` that cannot cross.
   */
  constructor(options?: number | ThreadPoolExecutorOptions) {
    super(parseExecutorOptions('ThreadPoolExecutor', options));
  }
}
