/**
 * The SVG chart for the Performance page: one panel per workload, one bar per contender.
 * A bar's length is the contender's speed relative to the fastest in its workload (longer
 * is faster, whatever the unit), so latency and throughput read the same way.
 */
import type { ResultsFile } from './results-file.js';
import type { ContenderResult, WorkloadResult } from './runner.js';
import { formatFigure, formatRatio } from './table.js';

const WIDTH = 1000;
const LABEL_RIGHT = 330;
const BAR_LEFT = 340;
const BAR_MAX = 360;
// About what fits left of the bars at 12px.
const LABEL_CHARS = 44;
// About what fits right of the labels at 12px.
const LINE_CHARS = 96;

function clip(line: string, chars: number): string {
  return line.length > chars ? `${line.slice(0, chars - 1)}…` : line;
}
const ROW = 22;
const COLORS: Record<ContenderResult['role'], string> = { ours: '#2563eb', floor: '#6b7280', peer: '#f59e0b' };

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' })[c]};`);
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x}" y="${y}"${attributes ? ` ${attributes}` : ''}>${escapeXml(content)}</text>`;
}

function speedOf(value: number, better: WorkloadResult['better']): number {
  return better === 'higher' ? value : 1 / value;
}

function panel(w: WorkloadResult, top: number): { svg: string[]; height: number } {
  const svg: string[] = [];
  let y = top + 18;
  svg.push(text(16, y, `${w.id} — ${w.title}`, 'class="title"'));
  svg.push(text(WIDTH - 16, y, `${w.unit}, ${w.better} is better`, 'class="note" text-anchor="end"'));
  if (w.error) {
    y += ROW;
    svg.push(text(LABEL_RIGHT, y, `error: ${w.error}`, 'class="bad" text-anchor="end"'));
  }
  const measured = w.contenders.filter((c) => c.status === 'ok' && c.median !== undefined);
  const fastest = Math.max(...measured.map((c) => speedOf(c.median!, w.better)));
  for (const c of w.contenders) {
    y += ROW;
    const label = `${c.name} (${c.role})`;
    svg.push(text(LABEL_RIGHT, y, clip(label, LABEL_CHARS), `text-anchor="end"${c.role === 'ours' ? ' class="ours"' : ''}`));
    if (c.status !== 'ok' || c.median === undefined) {
      svg.push(text(BAR_LEFT, y, clip(`${c.status}: ${c.note ?? ''}`, LINE_CHARS), `class="${c.status === 'failed' ? 'bad' : 'note'}"`));
      continue;
    }
    const length = Math.max(2, (speedOf(c.median, w.better) / fastest) * BAR_MAX);
    svg.push(`<rect x="${BAR_LEFT}" y="${y - 13}" width="${length.toFixed(1)}" height="16" rx="2" fill="${COLORS[c.role]}"/>`);
    let end = BAR_LEFT + length;
    if (c.min !== undefined && c.max !== undefined && c.min !== c.max) {
      const ends = [c.min, c.max].map((v) => BAR_LEFT + Math.min(BAR_MAX * 1.1, (speedOf(v, w.better) / fastest) * BAR_MAX));
      const [a, b] = [Math.min(...ends), Math.max(...ends)];
      svg.push(`<path d="M${a.toFixed(1)} ${y - 5}H${b.toFixed(1)}M${a.toFixed(1)} ${y - 9}V${y - 1}M${b.toFixed(1)} ${y - 9}V${y - 1}" class="whisker"/>`);
      end = Math.max(end, b);
    }
    const ratio = c.role === 'ours' || c.ratio === undefined ? '' : `  ·  ours/this ${formatRatio(c.ratio)}`;
    svg.push(text(end + 8, y, `${formatFigure(c.median)} ${w.unit} ±${Math.round((c.spread ?? 0) * 100)}%${ratio}`));
  }
  for (const t of w.targets) {
    y += ROW;
    const bound = `ours/${t.against} ${w.better === 'higher' ? '≥' : '≤'} ${formatRatio(t.ratio)} (${t.note})`;
    const status = t.met === undefined ? `not checked (${t.reason ?? ''})` : `${t.met ? '✓ met' : '✗ missed'}, ${formatRatio(t.actual!)}`;
    svg.push(text(LABEL_RIGHT, y, 'target', 'text-anchor="end" class="note"'));
    svg.push(text(BAR_LEFT, y, clip(`${status}: ${bound}`, LINE_CHARS), `class="${t.met === undefined ? 'note' : t.met ? 'good' : 'bad'}"`));
  }
  return { svg, height: y - top + 14 };
}

/**
 * Draws the results as a self-contained SVG document.
 *
 * @param results - A results file (possibly merged from several runs).
 * @returns The SVG text.
 */
export function renderChart(results: ResultsFile): string {
  const m = results.machine;
  const body: string[] = [];
  let y = 28;
  body.push(text(16, y, '@conc benchmarks', 'class="heading"'));
  y += 20;
  body.push(
    text(
      16,
      y,
      `${results.generatedAt.slice(0, 16).replace('T', ' ')} UTC · Node ${m.node} · ${m.cpus} × ${m.cpu} · ${m.python ? `CPython ${m.python}` : 'no CPython'} · load ${m.loadAverage ?? '?'} · median of ${results.repetitions}${results.quick ? ' (quick run)' : ''}`,
      'class="note"',
    ),
  );
  y += 20;
  body.push(text(16, y, 'Bar length: speed relative to the fastest contender of the workload (longer is faster); whiskers: fastest and slowest repetition.', 'class="note"'));
  y += 8;
  let x = 16;
  for (const role of ['ours', 'peer', 'floor'] as const) {
    body.push(`<rect x="${x}" y="${y + 6}" width="12" height="12" rx="2" fill="${COLORS[role]}"/>`);
    const label = { ours: '@conc (ours)', peer: 'peer library / CPython', floor: 'raw platform floor' }[role];
    body.push(text(x + 18, y + 16, label, 'class="note"'));
    x += 40 + label.length * 7;
  }
  y += 28;
  for (const w of results.workloads) {
    const { svg, height } = panel(w, y);
    body.push(`<line x1="16" x2="${WIDTH - 16}" y1="${y}" y2="${y}" class="rule"/>`, ...svg);
    y += height;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    '<style>text{fill:#111827}.heading{font-size:18px;font-weight:600}.title{font-weight:600}.ours{font-weight:600}.note{fill:#6b7280}.good{fill:#15803d}.bad{fill:#b91c1c}.whisker{stroke:#111827;stroke-width:1;fill:none}.rule{stroke:#e5e7eb}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
