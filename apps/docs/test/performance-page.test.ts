import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderResults, writeGuides } from '../src/performance-page.js';

const results = {
  schema: 1,
  generatedAt: '2026-11-25T01:00:00.000Z',
  quick: false,
  repetitions: 5,
  machine: { node: 'v20.20.2', cpu: 'AMD EPYC', cpus: 2, python: '3.11.7' },
  workloads: [
    {
      id: 'sync/lock',
      title: 'uncontended lock',
      unit: 'ns/op',
      better: 'lower' as const,
      contenders: [
        { name: '@conc Lock', role: 'ours' as const, status: 'ok' as const, median: 40, spread: 0.1, ratio: 1 },
        { name: 'CPython threading.Lock', role: 'peer' as const, status: 'ok' as const, median: 80, spread: 0.2, ratio: 0.5 },
        { name: 'async-mutex', role: 'peer' as const, status: 'skipped' as const, note: 'not installed' },
      ],
      targets: [{ against: 'CPython threading.Lock', ratio: 1, note: 'faster than CPython', actual: 0.5, met: true }],
    },
    {
      id: 'queue/throughput',
      title: 'items per second',
      unit: 'items/s',
      better: 'higher' as const,
      contenders: [
        { name: '@conc Queue', role: 'ours' as const, status: 'ok' as const, median: 100_000, ratio: 1 },
        { name: 'raw ring', role: 'floor' as const, status: 'ok' as const, median: 400_000, ratio: 0.25 },
      ],
    },
  ],
};

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('the Performance page', () => {
  it('renders every workload as a table, ratios said as faster or slower, and the targets', () => {
    const page = renderResults(results, './results.svg');
    expect(page).toContain('Measured 2026-11-25 01:00 UTC on Node v20.20.2, 2 × AMD EPYC, CPython 3.11.7; median of 5 runs.');
    expect(page).toContain('![The benchmark results');
    expect(page).toContain('| **@conc Lock** | ours | 40.0 ns/op ±10% |  |');
    expect(page).toContain('| CPython threading.Lock | peer | 80.0 ns/op ±20% | 2.00× faster |');
    expect(page).toContain('| async-mutex | peer | skipped: not installed | |');
    expect(page).toContain('| raw ring | floor | 400,000 items/s | 4.00× slower |');
    expect(page).toContain('- Target: ours / CPython threading.Lock ≤ 1 (faster than CPython): 0.50, met.');
  });

  it('says how to get figures when there are none', () => {
    expect(renderResults(undefined, undefined)).toMatch(/No benchmark results yet/);
  });

  it('copies the guides and fills the marker, with the chart beside the page', () => {
    const root = mkdtempSync(join(tmpdir(), 'conc-perf-'));
    dirs.push(root);
    mkdirSync(join(root, 'docs/performance'), { recursive: true });
    writeFileSync(join(root, 'docs/performance.md'), '# Performance\n\n<!-- results -->\n');
    writeFileSync(join(root, 'docs/guide.md'), '# Guide\n');
    const out = join(root, 'generated');
    writeGuides(root, out);
    expect(readFileSync(join(out, 'performance.md'), 'utf8')).toMatch(/No benchmark results yet/);
    expect(readFileSync(join(out, 'guide.md'), 'utf8')).toBe('# Guide\n');

    writeFileSync(join(root, 'docs/performance/results.json'), JSON.stringify(results));
    writeFileSync(join(root, 'docs/performance/results.svg'), '<svg/>');
    writeGuides(root, out);
    expect(readFileSync(join(out, 'performance.md'), 'utf8')).toContain('### uncontended lock');
    expect(existsSync(join(out, 'results.svg'))).toBe(true);
  });

  it('refuses a performance guide without the marker', () => {
    const root = mkdtempSync(join(tmpdir(), 'conc-perf-'));
    dirs.push(root);
    mkdirSync(join(root, 'docs'), { recursive: true });
    writeFileSync(join(root, 'docs/performance.md'), '# Performance\n');
    expect(() => writeGuides(root, join(root, 'generated'))).toThrow(/marker is missing/);
  });
});
