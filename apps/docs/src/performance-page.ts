/**
 * Makes the Performance page: the guide `docs/performance.md` with the bench app's latest
 * figures (`docs/performance/results.json`) and chart (`results.svg`) put in place of its
 * `<!-- results -->` marker. The bench engineer owns `docs/performance/`; when it holds no
 * results yet, the page says so instead of failing the build.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const MARKER = '<!-- results -->';

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
  // The bench app's ratio is ours/this contender, oriented so that above 1 means @conc is ahead.
  const ratio = c.role === 'ours' || c.ratio === undefined ? '' : `${c.ratio.toFixed(2)}×`;
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
    lines.push('| contender | role | median | ours vs this |', '|---|---|---|---|');
    for (const c of w.contenders) lines.push(contenderRow(w, c));
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * Writes the Performance page into `outDir`, copying the chart beside it.
 *
 * @param repoRoot - The repository root.
 * @param outDir - Where the page goes (a generated, git-ignored directory).
 * @returns The path of the written page.
 */
export function writePerformancePage(repoRoot: string, outDir: string): string {
  const guide = readFileSync(join(repoRoot, 'docs/performance.md'), 'utf8');
  if (!guide.includes(MARKER)) throw new Error(`docs/performance.md: the ${MARKER} marker is missing`);
  const resultsPath = join(repoRoot, 'docs/performance/results.json');
  const chartPath = join(repoRoot, 'docs/performance/results.svg');
  let results: Results | undefined;
  if (existsSync(resultsPath)) {
    const parsed = JSON.parse(readFileSync(resultsPath, 'utf8')) as Results;
    if (parsed.schema === 1) results = parsed;
  }
  mkdirSync(outDir, { recursive: true });
  let chart: string | undefined;
  if (results && existsSync(chartPath)) {
    copyFileSync(chartPath, join(outDir, 'results.svg'));
    chart = './results.svg';
  }
  const page = join(outDir, 'performance.md');
  writeFileSync(page, guide.replace(MARKER, renderResults(results, chart)));
  return page;
}
