/**
 * Runs workloads: contenders alternating, a warm-up then several repetitions each, every
 * figure checked by its contender before it counts; then medians, spreads, ratios, targets.
 */
import { median, ratio, spread } from './statistics.js';
import type { Contender, Workload } from './workload.js';

export interface RunOptions {
  /** The smaller `--quick` runs. */
  quick: boolean;
  /** Measured repetitions per contender. */
  repetitions: number;
  /** Runs each contender once, unmeasured, before the repetitions (JIT, caches). */
  warmup: boolean;
  /** A failing or hung run is abandoned after this long. */
  timeoutMs: number;
  /** Receives one line per step (the progress line). */
  progress?: (line: string) => void;
}

export interface ContenderResult {
  name: string;
  role: Contender['role'];
  status: 'ok' | 'skipped' | 'failed';
  /** Why it was skipped, or how it failed. */
  note?: string;
  /** Every measured figure, in run order. */
  samples: number[];
  median?: number;
  min?: number;
  max?: number;
  /** Half the range over the median (see `spread`). */
  spread?: number;
  /** ours / this, both medians in the workload's unit (1 for ours). */
  ratio?: number;
}

export interface TargetResult {
  against: string;
  ratio: number;
  note: string;
  /** ours / against, when both ran. */
  actual?: number;
  met?: boolean;
  /** Why it could not be checked. */
  reason?: string;
}

export interface WorkloadResult {
  id: string;
  title: string;
  unit: string;
  better: Workload['better'];
  /** A problem with the workload itself (its definition), when it could not run at all. */
  error?: string;
  /** Wall time of the whole workload (every contender, every repetition), in seconds. */
  seconds?: number;
  contenders: ContenderResult[];
  targets: TargetResult[];
}

/** The defaults: 5 repetitions after a warm-up; `--quick`: 2 repetitions, no warm-up. */
export function defaultOptions(quick: boolean): RunOptions {
  return quick
    ? { quick, repetitions: 2, warmup: false, timeoutMs: 30_000 }
    : { quick, repetitions: 5, warmup: true, timeoutMs: 120_000 };
}

/** Why a workload definition is unusable, or `undefined`. */
export function validateWorkload(workload: Workload): string | undefined {
  if (typeof workload.id !== 'string' || workload.id === '') return 'id must be a non-empty string';
  if (workload.better !== 'higher' && workload.better !== 'lower') return `better must be 'higher' or 'lower'`;
  if (!Array.isArray(workload.contenders)) return 'contenders must be an array';
  const ours = workload.contenders.filter((c) => c.role === 'ours').length;
  if (ours !== 1) return `needs exactly one contender with role 'ours', has ${ours}`;
  const names = new Set(workload.contenders.map((c) => c.name));
  if (names.size !== workload.contenders.length) return 'contender names must be unique';
  for (const c of workload.contenders) {
    if (!['ours', 'peer', 'floor'].includes(c.role)) return `${c.name}: role must be ours, peer or floor`;
    if (typeof c.run !== 'function') return `${c.name}: run must be a function`;
  }
  return undefined;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runOnce(contender: Contender, options: RunOptions): Promise<number> {
  const figure = await withTimeout(
    Promise.resolve().then(() => contender.run(options.quick)),
    options.timeoutMs,
    contender.name,
  );
  if (typeof figure !== 'number' || !Number.isFinite(figure) || figure <= 0) {
    throw new Error(`returned ${String(figure)}, not a positive finite figure`);
  }
  return figure;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Finds the contender a target names: its exact name, else the only one containing it. */
export function findContender<T extends { name: string }>(contenders: readonly T[], against: string): T | undefined {
  const exact = contenders.find((c) => c.name === against);
  if (exact) return exact;
  const partial = contenders.filter((c) => c.name.toLowerCase().includes(against.toLowerCase()));
  return partial.length === 1 ? partial[0] : undefined;
}

/** Fills in medians, spreads, ratios and target verdicts from the samples. */
export function summarize(workload: Workload, contenders: ContenderResult[]): WorkloadResult {
  for (const c of contenders) {
    if (c.status !== 'ok') continue;
    c.median = median(c.samples);
    c.min = Math.min(...c.samples);
    c.max = Math.max(...c.samples);
    c.spread = spread(c.samples);
  }
  const ours = contenders.find((c) => c.role === 'ours');
  for (const c of contenders) {
    if (c.median !== undefined && ours?.median !== undefined) c.ratio = ratio(ours.median, c.median);
  }
  const targets = (workload.targets ?? []).map((target): TargetResult => {
    const result: TargetResult = { against: target.against, ratio: target.ratio, note: target.note };
    const other = findContender(contenders, target.against);
    if (!other) result.reason = `no contender named ${JSON.stringify(target.against)}`;
    else if (ours?.status !== 'ok') result.reason = `ours ${ours?.status ?? 'missing'}`;
    else if (other.status !== 'ok' || other.ratio === undefined) result.reason = `${other.name} ${other.status}`;
    else {
      result.actual = other.ratio;
      result.met = workload.better === 'higher' ? other.ratio >= target.ratio : other.ratio <= target.ratio;
    }
    return result;
  });
  return { id: workload.id, title: workload.title, unit: workload.unit, better: workload.better, contenders, targets };
}

/**
 * Runs one workload: each contender's availability is checked, then (after an optional
 * warm-up round) the repetitions run with the contenders alternating, each repetition
 * starting one contender further along so none always runs first. A contender whose run
 * throws (its check failed) or times out is marked failed and not run again.
 */
export async function runWorkload(workload: Workload, options: RunOptions): Promise<WorkloadResult> {
  const invalid = validateWorkload(workload);
  if (invalid) {
    return {
      id: String(workload.id),
      title: String(workload.title),
      unit: String(workload.unit),
      better: workload.better,
      error: invalid,
      contenders: [],
      targets: [],
    };
  }
  const started = performance.now();
  const results: ContenderResult[] = workload.contenders.map((c) => {
    let note: string | undefined;
    try {
      note = c.unavailable?.();
    } catch (error) {
      note = `unavailable() threw: ${message(error)}`;
    }
    return note === undefined
      ? { name: c.name, role: c.role, status: 'ok', samples: [] }
      : { name: c.name, role: c.role, status: 'skipped', note, samples: [] };
  });
  const rounds = (options.warmup ? 1 : 0) + options.repetitions;
  const count = workload.contenders.length;
  for (let round = 0; round < rounds; round++) {
    const warm = options.warmup && round === 0;
    for (let k = 0; k < count; k++) {
      const index = (k + round) % count;
      const contender = workload.contenders[index]!;
      const result = results[index]!;
      if (result.status !== 'ok') continue;
      const step = warm ? 'warm-up' : `rep ${round + (options.warmup ? 0 : 1)}/${options.repetitions}`;
      options.progress?.(`${workload.id} · ${contender.name} · ${step}`);
      try {
        const figure = await runOnce(contender, options);
        if (!warm) result.samples.push(figure);
      } catch (error) {
        result.status = 'failed';
        result.note = message(error);
        result.samples = [];
      }
    }
  }
  return { ...summarize(workload, results), seconds: Math.round(performance.now() - started) / 1000 };
}

/** Runs the workloads one after the other. */
export async function runWorkloads(workloads: readonly Workload[], options: RunOptions): Promise<WorkloadResult[]> {
  const results: WorkloadResult[] = [];
  for (const [i, workload] of workloads.entries()) {
    const progress = options.progress;
    results.push(
      await runWorkload(workload, { ...options, progress: progress && ((line) => progress(`[${i + 1}/${workloads.length}] ${line}`)) }),
    );
  }
  return results;
}

/** Whether a set of results shows a broken workload: a definition error or a failed check. */
export function hasFailures(results: readonly WorkloadResult[]): boolean {
  return results.some((w) => w.error !== undefined || w.contenders.some((c) => c.status === 'failed'));
}
