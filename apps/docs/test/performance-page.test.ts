import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderResults, writeResults } from '../src/performance-page.js';

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

  it('writes the results page, with the chart beside it, or says there are none', () => {
    const root = mkdtempSync(join(tmpdir(), 'conc-perf-'));
    dirs.push(root);
    mkdirSync(join(root, 'docs/performance'), { recursive: true });
    const out = join(root, 'generated');
    expect(readFileSync(writeResults(root, out), 'utf8')).toMatch(/No benchmark results yet/);
    expect(existsSync(join(out, 'results.svg'))).toBe(false);

    writeFileSync(join(root, 'docs/performance/results.json'), JSON.stringify(results));
    writeFileSync(join(root, 'docs/performance/results.svg'), '<svg/>');
    const page = readFileSync(writeResults(root, out), 'utf8');
    expect(page).toContain('### uncontended lock');
    expect(page).toContain('](./results.svg)');
    expect(readFileSync(join(out, 'results.svg'), 'utf8')).toBe('<svg/>');
  });
});
