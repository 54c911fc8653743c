import { availableParallelism } from 'node:os';

/**
 * The number of CPUs this process may use. Python: `os.cpu_count()` /
 * `multiprocessing.cpu_count()`; also the default size of a `Pool`.
 *
 * @returns A whole number, at least 1.
 * @example
 * ```ts
 * import { cpuCount } from '@conc/core';
 * console.log(cpuCount() >= 1); // true
 * ```
 */
export function cpuCount(): number {
  return Math.max(1, availableParallelism());
}
