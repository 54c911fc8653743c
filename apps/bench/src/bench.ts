/** The bench command: load, select, run, print, write. */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChart } from './chart.js';
import { parseCli, selected, USAGE } from './cli.js';
import { loadWorkloads, WORKLOADS_DIR } from './discover.js';
import { createResults, mergeResults, readResults } from './results-file.js';
import { defaultOptions, hasFailures, runWorkloads, type WorkloadResult } from './runner.js';
import { formatBudgetWarning, formatSummary, formatTable } from './table.js';

/** The repository root (this file is `apps/bench/src/bench.ts`). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface BenchIo {
  stdout: (text: string) => void;
  stderr: NodeJS.WriteStream | { isTTY?: boolean; write(text: string): unknown };
  /** Where the workload files are (tests point it elsewhere). */
  workloadsDir?: string;
}

/**
 * Runs `npm run bench -- <argv>`.
 *
 * @returns The exit code: 0 when every check passed, 1 when a workload failed, 2 for bad arguments.
 */
export async function bench(
  argv: readonly string[],
  io: BenchIo = { stdout: (t) => process.stdout.write(t), stderr: process.stderr },
): Promise<number> {
  let cli;
  try {
    cli = parseCli(argv);
  } catch (error) {
    io.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (cli.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (cli.redraw) {
    const outDir = path.resolve(cli.out ?? path.join(REPO_ROOT, cli.quick ? 'apps/bench/.bench-tmp/quick' : 'docs/performance'));
    const file = await readResults(path.join(outDir, 'results.json'));
    if (!file) {
      io.stderr.write(`no readable results.json in ${outDir}\n`);
      return 2;
    }
    await writeFile(path.join(outDir, 'results.svg'), renderChart(file));
    io.stdout(`redrew ${path.join(outDir, 'results.svg')}\n`);
    return 0;
  }
  const started = performance.now();
  const options = defaultOptions(cli.quick);
  if (cli.repetitions) options.repetitions = cli.repetitions;
  const tty = Boolean(io.stderr.isTTY);
  options.progress = (line) => io.stderr.write(tty ? `\r\x1b[K${line.slice(0, (process.stderr.columns || 120) - 1)}` : `${line}\n`);

  const { workloads, errors } = await loadWorkloads(io.workloadsDir ?? WORKLOADS_DIR);
  const chosen = workloads.filter((w) => selected(String(w.id), cli.filter));
  const ids = chosen.map((w) => w.id);
  const duplicated = new Set(ids.filter((id, i) => ids.indexOf(id) !== i));
  io.stderr.write(
    `bench: ${chosen.length} of ${workloads.length} workloads, ${options.repetitions} repetitions${options.warmup ? ' after a warm-up' : ''}${cli.quick ? ' (quick)' : ''}\n`,
  );
  const results: WorkloadResult[] = await runWorkloads(
    chosen.filter((w) => !duplicated.has(w.id)),
    options,
  );
  for (const id of duplicated) {
    results.push({ id, title: 'defined twice', unit: '', better: 'lower', error: `workload id ${JSON.stringify(id)} is used by more than one workload`, contenders: [], targets: [] });
  }
  if (tty) io.stderr.write('\r\x1b[K');
  for (const e of errors) {
    results.push({ id: `workloads/${e.file}`, title: 'could not be loaded', unit: '', better: 'lower', error: e.error, contenders: [], targets: [] });
  }

  const outDir = path.resolve(cli.out ?? path.join(REPO_ROOT, cli.quick ? 'apps/bench/.bench-tmp/quick' : 'docs/performance'));
  const jsonPath = path.join(outDir, 'results.json');
  const fresh = createResults(
    results.filter((r) => !r.id.startsWith('workloads/')),
    cli.quick,
    options.repetitions,
  );
  const file = cli.filter === undefined ? fresh : mergeResults(await readResults(jsonPath), fresh);
  await mkdir(outDir, { recursive: true });
  await writeFile(jsonPath, `${JSON.stringify(file, null, 2)}\n`);
  await writeFile(path.join(outDir, 'results.svg'), renderChart(file));

  const seconds = (performance.now() - started) / 1000;
  const load = os.loadavg()[0]!;
  const busy = load > os.availableParallelism() ? ` (load average ${load.toFixed(1)} on ${os.availableParallelism()} cores: other work competed, compare within this run only)` : '';
  io.stdout(`${formatTable(results)}\n\n${formatSummary(results, seconds)}${busy}\n`);
  const warning = cli.quick ? formatBudgetWarning(results, seconds) : undefined;
  if (warning) io.stdout(`${warning}\n`);
  const shown = path.relative(process.cwd(), jsonPath);
  io.stdout(`results: ${shown.startsWith('..') ? jsonPath : shown} and results.svg\n`);
  return hasFailures(results) ? 1 : 0;
}
