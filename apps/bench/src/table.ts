/** The printed table: one block per workload, one row per contender, then the targets. */
import type { ContenderResult, TargetResult, WorkloadResult } from './runner.js';
import { speedup } from './statistics.js';

/** A figure with 3 significant digits, without exponent notation for everyday sizes. */
export function formatFigure(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e9 || (magnitude > 0 && magnitude < 1e-3)) return value.toExponential(2);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

/** A ratio as `1.23`, with 3 significant digits. */
export function formatRatio(value: number): string {
  return value >= 100 ? Math.round(value).toString() : Number(value.toPrecision(3)).toString();
}

function verdict(c: ContenderResult, better: 'higher' | 'lower'): string {
  if (c.role === 'ours' || c.median === undefined || c.ratio === undefined) return '';
  const times = speedup(c.ratio, 1, better);
  if (times >= 1) return `ours ${formatRatio(times)}x faster`;
  return `ours ${formatRatio(1 / times)}x slower`;
}

function targetLine(t: TargetResult, better: 'higher' | 'lower'): string {
  const bound = `ours/${t.against} ${better === 'higher' ? '>=' : '<='} ${formatRatio(t.ratio)}`;
  if (t.met === undefined) return `  target  ${bound} (${t.note}): not checked, ${t.reason ?? ''}`;
  return `  target  ${bound} (${t.note}): ${formatRatio(t.actual!)} ${t.met ? 'MET' : 'MISSED'}`;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/**
 * Formats the results as plain text for a terminal or a CI log.
 *
 * @param results - What {@link runWorkloads} returned.
 * @returns The table, lines joined with `\n`.
 */
export function formatTable(results: readonly WorkloadResult[]): string {
  const lines: string[] = [];
  for (const w of results) {
    lines.push('', `${w.id} — ${w.title}  (${w.unit}, ${w.better} is better)`);
    if (w.error) {
      lines.push(`  ERROR  ${w.error}`);
      continue;
    }
    const nameWidth = Math.max(9, ...w.contenders.map((c) => c.name.length));
    lines.push(
      `  ${pad('contender', nameWidth)}  ${pad('role', 5)}  ${pad('median', 12, true)}  ${pad('spread', 6, true)}  ${pad('ours/this', 9, true)}`,
    );
    for (const c of w.contenders) {
      const head = `  ${pad(c.name, nameWidth)}  ${pad(c.role, 5)}`;
      if (c.status !== 'ok' || c.median === undefined) {
        lines.push(`${head}  ${c.status === 'skipped' ? 'skipped' : 'FAILED'}: ${c.note ?? ''}`);
        continue;
      }
      const spreadText = `±${Math.round((c.spread ?? 0) * 100)}%`;
      const ratioText = c.ratio === undefined ? '—' : formatRatio(c.ratio);
      lines.push(
        `${head}  ${pad(formatFigure(c.median), 12, true)}  ${pad(spreadText, 6, true)}  ${pad(ratioText, 9, true)}  ${verdict(c, w.better)}`.trimEnd(),
      );
    }
    for (const t of w.targets) lines.push(targetLine(t, w.better));
  }
  return lines.join('\n');
}

/** The `--quick` smoke check's budget: every workload of every package in 2 minutes. */
export const QUICK_BUDGET_SECONDS = 120;

/**
 * A warning when a quick run went over its budget, naming the slowest workloads; else `undefined`.
 */
export function formatBudgetWarning(results: readonly WorkloadResult[], seconds: number): string | undefined {
  if (seconds <= QUICK_BUDGET_SECONDS) return undefined;
  const slowest = [...results]
    .filter((w) => w.seconds !== undefined)
    .sort((a, b) => b.seconds! - a.seconds!)
    .slice(0, 5)
    .map((w) => `${w.id} ${w.seconds!.toFixed(1)} s`);
  return `WARNING: the quick run took ${seconds.toFixed(0)} s, over its ${QUICK_BUDGET_SECONDS} s budget; slowest: ${slowest.join(', ')}`;
}

/** One closing line: workloads, failures, targets met. */
export function formatSummary(results: readonly WorkloadResult[], seconds: number): string {
  const failed = results.flatMap((w) =>
    w.error ? [w.id] : w.contenders.filter((c) => c.status === 'failed').map((c) => `${w.id} · ${c.name}`),
  );
  const targets = results.flatMap((w) => w.targets);
  const checked = targets.filter((t) => t.met !== undefined);
  const met = checked.filter((t) => t.met).length;
  const parts = [
    `${results.length} workloads in ${seconds.toFixed(1)} s`,
    `targets met ${met}/${checked.length}${targets.length > checked.length ? ` (${targets.length - checked.length} not checked)` : ''}`,
    failed.length ? `FAILED: ${failed.join(', ')}` : 'every check passed',
  ];
  return parts.join('; ');
}
