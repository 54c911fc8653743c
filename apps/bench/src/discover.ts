/** Finds the workloads: every `src/workloads/*.ts` exporting `workloads: Workload[]`. */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Workload } from './workload.js';

/** The directory of the workload files. */
export const WORKLOADS_DIR = fileURLToPath(new URL('./workloads/', import.meta.url));

/** A workload file that could not be loaded. */
export interface LoadError {
  file: string;
  error: string;
}

/**
 * Imports every workload file of `dir` in name order. A file that fails to import, or does
 * not export a `workloads` array, is reported rather than stopping the others.
 */
export async function loadWorkloads(dir = WORKLOADS_DIR): Promise<{ workloads: Workload[]; errors: LoadError[] }> {
  const files = (await readdir(dir)).filter((f) => /\.(ts|mts|js|mjs)$/.test(f) && !f.endsWith('.d.ts')).sort();
  const workloads: Workload[] = [];
  const errors: LoadError[] = [];
  for (const file of files) {
    try {
      const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { workloads?: unknown };
      if (!Array.isArray(module.workloads)) throw new TypeError('does not export `workloads: Workload[]`');
      workloads.push(...(module.workloads as Workload[]));
    } catch (error) {
      errors.push({ file, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { workloads, errors };
}
