/**
 * What a benchmark workload is. Each package adds its workloads as
 * `src/workloads/<package>.ts`, exporting `workloads: Workload[]`.
 *
 * The harness runs the contenders of a workload alternately, several repetitions each, takes
 * the median and spread, and prints ratios: ours / each peer, ours / the platform floor.
 */
export interface Contender {
  /** Shown in the table, e.g. `'@conc Lock.acquireSync'`, `'async-mutex'`, `'CPython threading.Lock'`. */
  name: string;
  /** `ours` (exactly one per workload), `peer` (another library or CPython) or `floor` (the raw platform). */
  role: 'ours' | 'peer' | 'floor';
  /** Why this contender cannot run here (e.g. no python3); the harness prints it and skips. */
  unavailable?: () => string | undefined;
  /**
   * Runs once and returns the measured figure in the workload's unit. It must check its own
   * results (exact counts, values) and throw when they are wrong, before its time counts.
   * `quick` asks for a smaller run (the `--quick` smoke check).
   */
  run(quick: boolean): Promise<number>;
}

export interface Workload {
  /** `package/what`, e.g. `'sync/uncontended-lock'`. */
  id: string;
  title: string;
  /** The unit of `run()`'s figure, e.g. `'ns/op'`, `'ops/s'`, `'µs'`. */
  unit: string;
  /** Whether a bigger figure is better (throughput) or a smaller one (latency). */
  better: 'higher' | 'lower';
  contenders: Contender[];
  /** A target from the issue, checked and printed (never asserted): e.g. ours within 2x of the floor. */
  targets?: { against: string; ratio: number; note: string }[];
}
