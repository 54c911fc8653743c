/** The results JSON that the docs' Performance page and the SVG chart are made from. */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { WorkloadResult } from './runner.js';
import { pythonVersion } from './python.js';

export interface Machine {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  cpu: string;
  cpus: number;
  python?: string;
  /** The 1-minute load average when the run ended: above the core count, other work competed for the CPUs. */
  loadAverage: number;
}

export interface ResultsFile {
  /** Bumped when the shape changes incompatibly. */
  schema: 1;
  generatedAt: string;
  quick: boolean;
  repetitions: number;
  machine: Machine;
  workloads: WorkloadResult[];
}

/** Describes the machine the figures come from: they compare within one run, not across machines. */
export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpus: os.availableParallelism?.() ?? cpus.length,
    python: pythonVersion(),
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** Builds the file's content for a run. */
export function createResults(workloads: WorkloadResult[], quick: boolean, repetitions: number): ResultsFile {
  return { schema: 1, generatedAt: new Date().toISOString(), quick, repetitions, machine: describeMachine(), workloads };
}

/**
 * Puts a partial run (`--filter`) into earlier results: workloads with the same id are
 * replaced in place, new ones appended, the others kept as they were.
 */
export function mergeResults(previous: ResultsFile | undefined, next: ResultsFile): ResultsFile {
  if (!previous || previous.schema !== next.schema) return next;
  const fresh = new Map(next.workloads.map((w) => [w.id, w]));
  const workloads = previous.workloads.map((w) => fresh.get(w.id) ?? w);
  for (const w of next.workloads) if (!previous.workloads.some((p) => p.id === w.id)) workloads.push(w);
  return { ...next, workloads };
}

/** Reads a results file, or `undefined` when there is none (or it is unreadable). */
export async function readResults(path: string): Promise<ResultsFile | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as ResultsFile;
    return parsed.schema === 1 && Array.isArray(parsed.workloads) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
