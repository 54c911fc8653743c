import { Executor } from './executor.js';
import { parseExecutorOptions, type ProcessPoolExecutorOptions } from './executor-options.js';

/**
 * An executor running tasks in child processes. Python: `concurrent.futures.ProcessPoolExecutor`.
 *
 * Workers start as tasks arrive, up to `maxWorkers` (default `cpuCount()`); `maxTasksPerChild`
 * replaces a process after that many tasks. Unlike Python's `BrokenProcessPool`, a killed
 * worker fails only the task it was running (`WorkerCrashedError`): the executor starts
 * another and goes on. A failing initializer breaks it (`BrokenExecutorError`).
 *
 * @example
 * ```ts
 * import { ProcessPoolExecutor } from '@conc/pool';
 * await using executor = new ProcessPoolExecutor(2);
 * const values = [];
 * for await (const value of executor.map((x: number) => x * 10, [1, 2, 3])) values.push(value);
 * console.log(values); // [10, 20, 30]
 * ```
 */
export class ProcessPoolExecutor extends Executor {
  /**
   * @param options - The most workers, or {@link ProcessPoolExecutorOptions}.
   * @throws RangeError when `maxWorkers` or `maxTasksPerChild` is not an integer >= 1;
   *   TypeError for a bad `initializer`, `initargs` or `backend`; DataCloneError for
   *   `initargs` that cannot cross.
   */
  constructor(options?: number | ProcessPoolExecutorOptions) {
    super(parseExecutorOptions('ProcessPoolExecutor', options));
  }
}
