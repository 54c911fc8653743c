/**
 * What a benchmark workload is. Each package adds its workloads as
 * `src/workloads/<package>.ts`, exporting `workloads: Workload[]`.
 *
 * The harness runs the contenders of a workload alternately, several repetitions each, takes
 * the median and spread, and prints ratios: ours / each peer, ours / the platform floor.
 *
 * Reusable pieces for writing contenders: the platform floors in `src/floors/index.ts`,
 * `spawn`/`runGated` (self-contained functions in real worker threads) in `src/worker.ts`,
 * `pythonContender`/`runPython` (CPython peers) in `src/python.ts`.
 */
export interface Contender {
  /** Shown in the table, e.g. `'@conc Lock.acquireSync'`, `'async-mutex'`, `'CPython threading.Lock'`. Unique in its workload. */
  name: string;
  /** `ours` (exactly one per workload), `peer` (another library or CPython) or `floor` (the raw platform). */
  role: 'ours' | 'peer' | 'floor';
  /** Why this contender cannot run here (e.g. no python3); the harness prints it and skips. */
  unavailable?: () => string | undefined;
  /**
   * Runs once and returns the measured figure in the workload's unit. It must check its own
   * results (exact counts, values) and throw when they are wrong, before its time counts.
   * `quick` asks for a smaller run (the `--quick` smoke check): keep a quick run well under
   * half a second, as every workload of every package shares the 2-minute `--quick` budget.
   * A full run should take about 0.1 to 1 s (it is repeated 5 times after a warm-up).
   */
  run(quick: boolean): Promise<number>;
}

export interface Workload {
  /** `package/what`, e.g. `'sync/uncontended-lock'`. `--filter` matches a substring of it. */
  id: string;
  title: string;
  /** The unit of `run()`'s figure, e.g. `'ns/op'`, `'ops/s'`, `'µs'`. */
  unit: string;
  /** Whether a bigger figure is better (throughput) or a smaller one (latency). */
  better: 'higher' | 'lower';
  contenders: Contender[];
  /**
   * A target from the issue, checked and printed (never asserted). `against` names a
   * contender (its exact name, or a substring matching only one). `ratio` bounds
   * ours / against, both in the workload's unit, on the side that is better:
   * - `better: 'lower'` (latency): met when ours / against <= ratio.
   *   "within 2x of the floor" is `ratio: 2`; "at most half CPython's" is `ratio: 0.5`.
   * - `better: 'higher'` (throughput): met when ours / against >= ratio.
   *   "at least 5x piscina" is `ratio: 5`; "within 2x of the raw ring" is `ratio: 0.5`.
   */
  targets?: { against: string; ratio: number; note: string }[];
}
