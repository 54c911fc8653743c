/**
 * Makes the results part of the Performance page: the bench app's latest figures
 * (`docs/performance/results.json`) as tables, and its chart (`results.svg`), in a Markdown file
 * that the guide `docs/performance.md` includes with TypeDoc's `{@include}`. The bench app owns
 * `docs/performance/`; when it holds no results yet, the page says so instead of failing the
 * build.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One contender's figures in a workload, as the bench app writes them. */
interface Contender {
  name: string;
  role: 'ours' | 'floor' | 'peer';
  status: 'ok' | 'skipped' | 'failed';
  note?: string;
  median?: number;
  spread?: number;
  ratio?: number;
}

/** One workload of a bench run. */
interface Workload {
  id: string;
  title: string;
  unit: string;
  better: 'higher' | 'lower';
  error?: string;
  contenders: Contender[];
  targets?: { against: string; ratio: number; note: string; actual?: number; met?: boolean; reason?: string }[];
}

/** The part of the bench app's `results.json` (schema 1) that the page shows. */
interface Results {
  schema: number;
  generatedAt: string;
  quick: boolean;
  repetitions: number;
  machine: { node: string; cpu: string; cpus: number; python?: string };
  workloads: Workload[];
}

function figure(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function contenderRow(w: Workload, c: Contender): string {
  const name = c.role === 'ours' ? `**${cell(c.name)}**` : cell(c.name);
  if (c.status !== 'ok' || c.median === undefined) return `| ${name} | ${c.role} | ${c.status}${c.note ? `: ${cell(c.note)}` : ''} | |`;
  const spread = c.spread === undefined ? '' : ` ±${Math.round(c.spread * 100)}%`;
  // The bench app's ratio is ours / this contender in the workload's unit; say it as speed.
  let ratio = '';
  if (c.role !== 'ours' && c.ratio !== undefined && c.ratio > 0) {
    const speed = w.better === 'higher' ? c.ratio : 1 / c.ratio;
    ratio = speed >= 1 ? `${speed.toFixed(2)}× faster` : `${(1 / speed).toFixed(2)}× slower`;
  }
  return `| ${name} | ${c.role} | ${figure(c.median)} ${cell(w.unit)}${spread} | ${ratio} |`;
}

/**
 * Renders the results as Markdown: where they come from, the chart, and one table per workload.
 *
 * @param results - The parsed `results.json`, or `undefined` when there is none.
 * @param chart - The chart's path relative to the page, or `undefined` when there is none.
 * @returns Markdown to put in place of the marker.
 */
export function renderResults(results: Results | undefined, chart: string | undefined): string {
  if (!results || !Array.isArray(results.workloads)) {
    return '_No benchmark results yet: run `npm run bench` to write `docs/performance/results.json`, then `npm run docs`._';
  }
  const m = results.machine;
  const lines = [
    `Measured ${results.generatedAt.slice(0, 16).replace('T', ' ')} UTC on Node ${m.node}, ${m.cpus} × ${m.cpu}` +
      `${m.python ? `, CPython ${m.python}` : ''}; median of ${results.repetitions} runs${results.quick ? ' (a quick run: rough figures)' : ''}.`,
    '',
  ];
  if (chart) lines.push(`![The benchmark results: one panel per workload, longer bars are faster](${chart})`, '');
  for (const w of results.workloads) {
    lines.push(`### ${cell(w.title)}`, '', `\`${w.id}\` — ${w.unit}, ${w.better} is better.${w.error ? ` Error: ${cell(w.error)}` : ''}`, '');
    lines.push('| contender | role | median | @conc compared with it |', '|---|---|---|---|');
    for (const c of w.contenders) lines.push(contenderRow(w, c));
    lines.push('');
    for (const t of w.targets ?? []) {
      const bound = `ours / ${cell(t.against)} ${w.better === 'higher' ? '≥' : '≤'} ${t.ratio}`;
      const status = t.met === undefined ? `not checked${t.reason ? `: ${cell(t.reason)}` : ''}` : `${t.actual?.toFixed(2)}, ${t.met ? 'met' : 'missed'}`;
      lines.push(`- Target: ${bound} (${cell(t.note)}): ${status}.`);
    }
    if (w.targets?.length) lines.push('');
  }
  return lines.join('\n');
}

/**
 * Writes the results page that `docs/performance.md` includes (`{@include}`), into `outDir`
 * (emptied first), with the chart beside it.
 *
 * @param repoRoot - The repository root.
 * @param outDir - Where the page goes (a generated, git-ignored directory).
 * @returns The path of the written page.
 */
export function writeResults(repoRoot: string, outDir: string): string {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const resultsPath = join(repoRoot, 'docs/performance/results.json');
  const chartPath = join(repoRoot, 'docs/performance/results.svg');
  let results: Results | undefined;
  if (existsSync(resultsPath)) {
    const parsed = JSON.parse(readFileSync(resultsPath, 'utf8')) as Results;
    if (parsed.schema === 1) results = parsed;
  }
  let chart: string | undefined;
  if (results && existsSync(chartPath)) {
    copyFileSync(chartPath, join(outDir, 'results.svg'));
    chart = './results.svg';
  }
  const page = join(outDir, 'results.md');
  writeFileSync(page, `${renderResults(results, chart)}\n`);
  return page;
}
