import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bench } from '../src/bench.js';
import { escapeXml, renderChart } from '../src/chart.js';
import { parseCli, selected } from '../src/cli.js';
import * as floors from '../src/floors/index.js';
import * as peers from '../src/peers/index.js';
import { pythonContender, pythonUnavailable, runPython } from '../src/python.js';
import { createResults, mergeResults, readResults, type ResultsFile } from '../src/results-file.js';
import { defaultOptions, findContender, hasFailures, runWorkload, runWorkloads, type RunOptions } from '../src/runner.js';
import { median, spread, speedup } from '../src/statistics.js';
import { formatBudgetWarning, formatSummary, formatTable } from '../src/table.js';
import { runGated, spawn } from '../src/worker.js';
import type { Contender, Workload } from '../src/workload.js';
import { workloads as coreWorkloads } from '../src/workloads/core.js';

const APP = fileURLToPath(new URL('..', import.meta.url));
const options = (overrides: Partial<RunOptions> = {}): RunOptions => ({ ...defaultOptions(false), repetitions: 3, ...overrides });

/** A contender doing real work, timed with performance.now(), checking its exact result. */
function summing(name: string, role: Contender['role'], sum: (values: Float64Array) => number, calls: string[] = []): Contender {
  return {
    name,
    role,
    async run(quick) {
      calls.push(name);
      const values = new Float64Array(quick ? 10_000 : 50_000).map((_, i) => i);
      const start = performance.now();
      const total = sum(values);
      const ns = ((performance.now() - start) * 1e6) / values.length;
      const expected = (values.length * (values.length - 1)) / 2;
      if (total !== expected) throw new Error(`sum ${total}, expected ${expected}`);
      return Math.max(ns, 1e-6);
    },
  };
}

function loopSum(values: Float64Array): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  return total;
}

/** A contender whose figure is fixed, to check the ratio and target arithmetic exactly. */
function fixed(name: string, role: Contender['role'], figure: number): Contender {
  return { name, role, run: () => Promise.resolve(figure) };
}

describe('statistics', () => {
  it('takes the median of odd and even counts without reordering the input', () => {
    const samples = [5, 1, 3];
    expect(median(samples)).toBe(3);
    expect(samples).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('measures the spread as half the range over the median', () => {
    expect(spread([90, 100, 110])).toBeCloseTo(0.1);
    expect(spread([7, 7, 7])).toBe(0);
  });

  it('turns a ratio into a speed-up whatever the direction of the unit', () => {
    expect(speedup(10, 5, 'higher')).toBe(2);
    expect(speedup(10, 5, 'lower')).toBe(0.5);
  });
});

describe('command line', () => {
  it('parses the options, with and without =', () => {
    expect(parseCli([])).toEqual({ quick: false, redraw: false, help: false });
    const parsed = parseCli(['--quick', '--filter', 'sync/', '--filter=queue', '--out=/tmp/x', '--repetitions', '3']);
    expect(parsed).toMatchObject({ quick: true, out: '/tmp/x', repetitions: 3 });
    expect(selected('sync/lock', parsed.filter)).toBe(true);
    expect(selected('queue/spsc', parsed.filter)).toBe(true);
    expect(selected('pool/map', parsed.filter)).toBe(false);
    expect(selected('pool/map', undefined)).toBe(true);
  });

  it('rejects unknown options and bad values, naming them', () => {
    expect(() => parseCli(['--fast'])).toThrow(/unknown argument "--fast"/);
    expect(() => parseCli(['--filter'])).toThrow(/--filter needs a value/);
    expect(() => parseCli(['--repetitions', '0'])).toThrow(/--repetitions must be a positive integer/);
  });
});

describe('running workloads', () => {
  it('alternates the contenders, rotating who goes first, and keeps only measured repetitions', async () => {
    const calls: string[] = [];
    const workload: Workload = {
      id: 'fake/sum',
      title: 'sum an array',
      unit: 'ns/op',
      better: 'lower',
      contenders: [
        summing('loop', 'ours', loopSum, calls),
        summing('reduce', 'peer', (v) => v.reduce((a, b) => a + b, 0), calls),
        summing('typed loop', 'floor', loopSum, calls),
      ],
    };
    const result = await runWorkload(workload, options({ repetitions: 2, warmup: true }));
    expect(calls).toEqual(['loop', 'reduce', 'typed loop', 'reduce', 'typed loop', 'loop', 'typed loop', 'loop', 'reduce']);
    const [ours, peer, floor] = result.contenders;
    for (const c of result.contenders) {
      expect(c.status).toBe('ok');
      expect(c.samples).toHaveLength(2);
      expect(c.median).toBeGreaterThan(0);
      expect(c.min).toBeLessThanOrEqual(c.median!);
      expect(c.max).toBeGreaterThanOrEqual(c.median!);
    }
    expect(ours!.ratio).toBe(1);
    expect(peer!.ratio).toBeCloseTo(ours!.median! / peer!.median!, 12);
    expect(floor!.ratio).toBeCloseTo(ours!.median! / floor!.median!, 12);
  });

  it('marks a contender whose check fails as failed, runs it no more, and carries on with the others', async () => {
    let wrongRuns = 0;
    const wrong: Contender = {
      name: 'off by one',
      role: 'peer',
      run() {
        wrongRuns++;
        return summing('inner', 'peer', (v) => loopSum(v) + 1).run(true);
      },
    };
    const result = await runWorkload(
      { id: 'fake/check', title: 't', unit: 'ns/op', better: 'lower', contenders: [summing('loop', 'ours', loopSum), wrong] },
      options({ warmup: false }),
    );
    expect(result.contenders[0]!.status).toBe('ok');
    expect(result.contenders[1]).toMatchObject({ status: 'failed', samples: [] });
    expect(result.contenders[1]!.note).toMatch(/sum \d+, expected \d+/);
    expect(wrongRuns).toBe(1);
    expect(hasFailures([result])).toBe(true);
  });

  it('skips an unavailable contender with its note, and fails hung runs and bad figures', async () => {
    let ran = false;
    const result = await runWorkload(
      {
        id: 'fake/odd',
        title: 't',
        unit: 'ops/s',
        better: 'higher',
        contenders: [
          summing('loop', 'ours', loopSum),
          { name: 'missing', role: 'peer', unavailable: () => 'no such runtime here', run: () => ((ran = true), Promise.resolve(1)) },
          { name: 'hangs', role: 'peer', run: () => new Promise<number>(() => {}) },
          fixed('negative', 'peer', -1),
          fixed('not a number', 'floor', Number.NaN),
        ],
      },
      options({ warmup: false, repetitions: 1, timeoutMs: 300 }),
    );
    expect(ran).toBe(false);
    const byName = Object.fromEntries(result.contenders.map((c) => [c.name, c]));
    expect(byName.missing).toMatchObject({ status: 'skipped', note: 'no such runtime here' });
    expect(byName.hangs).toMatchObject({ status: 'failed' });
    expect(byName.hangs!.note).toMatch(/did not finish within 300 ms/);
    expect(byName.negative!.note).toMatch(/returned -1/);
    expect(byName['not a number']!.note).toMatch(/returned NaN/);
  });

  it('refuses a workload without exactly one "ours" or with duplicate names', async () => {
    const none = await runWorkload({ id: 'fake/none', title: 't', unit: 'x', better: 'lower', contenders: [fixed('a', 'peer', 1)] }, options());
    expect(none.error).toMatch(/exactly one contender with role 'ours', has 0/);
    const twice = await runWorkload(
      { id: 'fake/twice', title: 't', unit: 'x', better: 'lower', contenders: [fixed('a', 'ours', 1), fixed('a', 'peer', 1)] },
      options(),
    );
    expect(twice.error).toMatch(/unique/);
    expect(hasFailures([none])).toBe(true);
  });

  it('checks targets on the side that is better: <= for latency, >= for throughput', async () => {
    const [latency, throughput] = await runWorkloads(
      [
        {
          id: 'fake/latency',
          title: 't',
          unit: 'ns/op',
          better: 'lower',
          contenders: [fixed('ours', 'ours', 10), fixed('raw floor', 'floor', 5), fixed('CPython thing', 'peer', 40)],
          targets: [
            { against: 'raw floor', ratio: 2, note: 'within 2x of the floor' },
            { against: 'raw floor', ratio: 1.5, note: 'within 1.5x' },
            { against: 'cpython', ratio: 0.5, note: 'at most half CPython' },
            { against: 'nobody', ratio: 1, note: 'a typo' },
          ],
        },
        {
          id: 'fake/throughput',
          title: 't',
          unit: 'ops/s',
          better: 'higher',
          contenders: [fixed('ours', 'ours', 100), fixed('piscina', 'peer', 20)],
          targets: [
            { against: 'piscina', ratio: 5, note: 'at least 5x piscina' },
            { against: 'piscina', ratio: 6, note: 'at least 6x' },
          ],
        },
      ],
      options({ warmup: false, repetitions: 1 }),
    );
    expect(latency!.contenders.map((c) => c.ratio)).toEqual([1, 2, 0.25]);
    expect(latency!.targets.map((t) => t.met)).toEqual([true, false, true, undefined]);
    expect(latency!.targets[3]!.reason).toMatch(/no contender named "nobody"/);
    expect(throughput!.targets.map((t) => [t.actual, t.met])).toEqual([
      [5, true],
      [5, false],
    ]);

    const table = formatTable([latency!, throughput!]);
    expect(table).toContain('fake/latency');
    expect(table).toMatch(/raw floor\s+floor\s+5\s+±0%\s+2\s+ours 2x slower/);
    expect(table).toMatch(/CPython thing\s+peer\s+40\s+±0%\s+0.25\s+ours 4x faster/);
    expect(table).toContain('ours/raw floor <= 2 (within 2x of the floor): 2 MET');
    expect(table).toContain('ours/raw floor <= 1.5 (within 1.5x): 2 MISSED');
    expect(table).toContain('ours/piscina >= 5 (at least 5x piscina): 5 MET');
    expect(table).toContain('not checked, no contender named "nobody"');
    expect(formatSummary([latency!, throughput!], 1.5)).toBe('2 workloads in 1.5 s; targets met 3/5 (1 not checked); every check passed');
  });

  it('warns when a quick run goes over its 2-minute budget, naming the slowest workloads', async () => {
    const results = await runWorkloads(
      [
        { id: 'fake/a', title: 't', unit: 'x', better: 'lower', contenders: [fixed('ours', 'ours', 1)] },
        { id: 'fake/b', title: 't', unit: 'x', better: 'lower', contenders: [fixed('ours', 'ours', 1)] },
      ],
      options({ warmup: false, repetitions: 1 }),
    );
    for (const w of results) expect(w.seconds).toBeGreaterThanOrEqual(0);
    results[1]!.seconds = 90;
    expect(formatBudgetWarning(results, 100)).toBeUndefined();
    expect(formatBudgetWarning(results, 130)).toMatch(/took 130 s, over its 120 s budget; slowest: fake\/b 90.0 s, fake\/a 0.0 s/);
  });

  it('finds a target contender by exact name, or by a substring matching only one', () => {
    const list = [{ name: 'raw Worker postMessage' }, { name: 'raw MessageChannel' }, { name: 'raw' }];
    expect(findContender(list, 'raw')).toBe(list[2]);
    expect(findContender(list, 'messagechannel')).toBe(list[1]);
    expect(findContender(list, 'Message')).toBeUndefined();
  });
});

describe('results file and chart', () => {
  const result = (id: string, figure: number): Promise<ResultsFile> =>
    runWorkloads(
      [{ id, title: `<${id}> & co`, unit: 'µs', better: 'lower', contenders: [fixed('ours "quoted"', 'ours', figure), fixed('peer <b>', 'peer', 2 * figure)] }],
      options({ warmup: false, repetitions: 1 }),
    ).then((w) => createResults(w, true, 1));

  it('merges a partial run into earlier results by workload id', async () => {
    const earlier = mergeResults(await result('a/one', 1), await result('a/two', 2));
    expect(earlier.workloads.map((w) => w.id)).toEqual(['a/one', 'a/two']);
    const full: ResultsFile = { ...(await result('a/one', 1)), workloads: [...(await result('a/one', 1)).workloads, ...(await result('a/two', 2)).workloads] };
    const merged = mergeResults(full, await result('a/one', 7));
    expect(merged.workloads.map((w) => [w.id, w.contenders[0]!.median])).toEqual([
      ['a/one', 7],
      ['a/two', 2],
    ]);
    const added = mergeResults(full, await result('a/three', 3));
    expect(added.workloads.map((w) => w.id)).toEqual(['a/one', 'a/two', 'a/three']);
    expect(await readResults(path.join(os.tmpdir(), 'no-such-dir-conc', 'results.json'))).toBeUndefined();
  });

  it('draws an SVG with one bar per measured contender and escaped text', async () => {
    const file = await result('chart/x', 4);
    file.workloads[0]!.contenders.push({ name: 'skipped one', role: 'peer', status: 'skipped', note: 'python3 not found', samples: [] });
    const svg = renderChart(file);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // Background, three legend swatches, two bars.
    expect(svg.match(/<rect /g)).toHaveLength(6);
    expect(svg).toContain('&lt;chart/x&gt; &amp; co');
    expect(svg).toContain('ours &quot;quoted&quot; (ours)');
    expect(svg).toContain('skipped: python3 not found');
    expect(svg.match(/<text /g)!.length).toBe(svg.match(/<\/text>/g)!.length);
    expect(svg.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toContain('&');
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });
});

describe('the bench command', () => {
  let dir: string;
  let workloadsDir: string;
  const run = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await bench(argv, { stdout: (t) => (out += t), stderr: { isTTY: false, write: (t: string) => (err += t) }, workloadsDir });
    return { code, out, err };
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'conc-bench-'));
    workloadsDir = path.join(dir, 'workloads');
    await import('node:fs/promises').then((fs) => fs.mkdir(workloadsDir));
    const workload = (id: string): string => `{
      id: '${id}', title: 'count to n', unit: 'ns/op', better: 'lower',
      contenders: ['ours', 'peer'].map((role) => ({
        name: role + ' counter', role,
        async run(quick) {
          const n = quick ? 1000 : 5000; let count = 0;
          const start = performance.now();
          for (let i = 0; i < n; i++) count++;
          if (count !== n) throw new Error('count ' + count);
          return Math.max(((performance.now() - start) * 1e6) / n, 1e-6);
        },
      })),
    }`;
    await writeFile(path.join(workloadsDir, 'a.mjs'), `export const workloads = [${workload('fake/one')}, ${workload('fake/two')}];\n`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs, prints the table and progress, writes results.json and results.svg', async () => {
    const out = path.join(dir, 'out');
    const { code, out: stdout, err } = await run(['--quick', '--out', out]);
    expect(code).toBe(0);
    expect(err).toContain('[1/2] fake/one · ours counter · rep 1/2');
    expect(err).toContain('[2/2] fake/two · peer counter · rep 2/2');
    expect(stdout).toContain('fake/two — count to n  (ns/op, lower is better)');
    expect(stdout).toContain('2 workloads in');
    const file = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
    expect(file).toMatchObject({ schema: 1, quick: true, repetitions: 2, machine: { node: process.version } });
    expect(file.workloads.map((w) => w.id)).toEqual(['fake/one', 'fake/two']);
    expect(file.workloads[0]!.contenders[1]!.samples).toHaveLength(2);
    expect(await readFile(path.join(out, 'results.svg'), 'utf8')).toContain('fake/two — count to n');

    await writeFile(path.join(out, 'results.svg'), '');
    expect((await run(['--redraw', '--out', out])).code).toBe(0);
    expect(await readFile(path.join(out, 'results.svg'), 'utf8')).toContain('fake/two — count to n');
    expect((await run(['--redraw', '--out', path.join(dir, 'nowhere')])).code).toBe(2);

    const filtered = await run(['--quick', '--out', out, '--filter', 'two', '--repetitions', '1']);
    expect(filtered.code).toBe(0);
    const merged = JSON.parse(await readFile(path.join(out, 'results.json'), 'utf8')) as ResultsFile;
    expect(merged.workloads.map((w) => [w.id, w.contenders[0]!.samples.length])).toEqual([
      ['fake/one', 2],
      ['fake/two', 1],
    ]);
  });

  it('reports a workload file that cannot load, and exits 1; bad arguments exit 2', async () => {
    await writeFile(path.join(workloadsDir, 'b.mjs'), 'export const nothing = 1;\n');
    await writeFile(path.join(workloadsDir, 'c.mjs'), "export const workloads = [{ id: 'fake/one', title: 'again', unit: 'x', better: 'lower', contenders: [] }];\n");
    try {
      const { code, out } = await run(['--quick', '--out', path.join(dir, 'broken'), '--filter', 'one']);
      expect(code).toBe(1);
      expect(out).toContain('workloads/b.mjs — could not be loaded');
      expect(out).toContain('does not export `workloads: Workload[]`');
      expect(out).toContain('workload id "fake/one" is used by more than one workload');
    } finally {
      await rm(path.join(workloadsDir, 'b.mjs'));
      await rm(path.join(workloadsDir, 'c.mjs'));
    }
    const bad = await run(['--nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('Usage: npm run bench');
  });
});

describe('helpers', () => {
  it('runs self-contained functions in real workers behind one start gate', async () => {
    const { ms, results } = await runGated([
      [(c: { data: number; ready(): void }) => (c.ready(), c.data * 2), 21],
      [(c: { data: number; ready(): void; port: unknown }) => (c.ready(), c.port ? c.data : -1), 5],
    ]);
    expect(results).toEqual([42, 5]);
    expect(ms).toBeGreaterThanOrEqual(0);
    const failing = spawn(() => {
      throw new Error('checked and wrong');
    }, null);
    await expect(failing.result).rejects.toThrow(/checked and wrong/);
    await failing.worker.terminate();
  });

  it('runs CPython snippets and parses their figure, failing on a failed assert', async () => {
    const note = pythonUnavailable();
    if (note !== undefined) {
      await expect(runPython('print(1)')).rejects.toThrow(/python3/);
      expect(pythonContender('CPython', () => '').unavailable?.()).toBe(note);
      return;
    }
    await expect(runPython('import sys\nprint("noise")\nprint(sum(range(10)) / 2)')).resolves.toBe(22.5);
    await expect(runPython('assert 1 + 1 == 3, "arithmetic"')).rejects.toThrow(/AssertionError: arithmetic/);
    await expect(runPython('print("no figure")')).rejects.toThrow(/printed no figure/);
  });
});

describe('--quick over the real floors and core workloads', () => {
  it('every floor runs for real and returns a checked, positive figure', async () => {
    const all: Contender[] = [
      floors.casLockUncontended(),
      floors.casLockContended(),
      floors.atomicsPingPong(),
      floors.atomicsWaitAsyncRoundTrip(),
      floors.spscRing(),
      floors.postMessageRoundTrip(),
      floors.postMessageThroughput(),
      floors.messageChannelThroughput(),
      floors.messageChannelThroughput({ item: 'bytes64', name: 'bytes' }),
      floors.messageChannelThroughput({ item: 'string64', name: 'strings' }),
    ];
    for (const floor of all) {
      expect(floor.role).toBe('floor');
      const figure = await floor.run(true);
      expect(figure, floor.name).toBeGreaterThan(0);
      expect(Number.isFinite(figure), floor.name).toBe(true);
    }
  });

  it('every peer runs for real and returns a checked, positive figure (CPython ones skipped without python3)', async () => {
    const all: Contender[] = [
      peers.asyncMutexUncontended(),
      peers.cpythonLockUncontended(),
      peers.cpythonLockContended(),
      peers.cpythonEventPingPong(),
      peers.cpythonQueue(),
      peers.cpythonProcessQueue(),
      peers.cpythonPipePingPong(),
      peers.cpythonManagerDict('thread'),
      peers.cpythonManagerDict('process'),
      peers.poolTinyTasks('piscina', { tasks: 2_000 }),
      peers.poolTinyTasks('tinypool', { tasks: 2_000 }),
      peers.poolTinyTasks('workerpool', { tasks: 2_000 }),
      peers.cpythonPoolTinyTasks('apply_async', { tasks: 2_000 }),
      peers.cpythonPoolTinyTasks('map', { chunksize: 100 }),
      peers.poolCpuSpeedup('piscina', { tasks: 4, n: 24 }),
      peers.cpythonPoolCpuSpeedup({ tasks: 4, n: 20 }),
    ];
    const results = await runWorkloads(
      all.map((peer, i) => ({ id: `peer/${i}`, title: peer.name, unit: 'x', better: 'lower', contenders: [{ ...peer, role: 'ours' as const }] })),
      { ...defaultOptions(true), repetitions: 1 },
    );
    for (const w of results) {
      const [c] = w.contenders;
      if (c!.status === 'skipped') expect(c!.note).toMatch(/python3/);
      else expect([w.title, c!.status, c!.note]).toEqual([w.title, 'ok', undefined]);
    }
  });

  it('the core workloads pass their checks in a quick run', async () => {
    const results = await runWorkloads(coreWorkloads, defaultOptions(true));
    for (const w of results) {
      expect(w.error, w.id).toBeUndefined();
      for (const c of w.contenders) expect([c.status, c.note], `${w.id} · ${c.name}`).toEqual(['ok', undefined]);
    }
    expect(hasFailures(results)).toBe(false);
  });

  it('npm run bench -- --quick works from its entry, as CI runs it', async () => {
    const out = path.join(os.tmpdir(), `conc-bench-cli-${process.pid}`);
    try {
      const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(process.execPath, ['src/run.mjs', '--quick', '--filter', 'core/codec-number', '--out', out], { cwd: APP }, (error, stdout) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
        );
      });
      expect(stdout).toContain('every check passed');
      expect(code).toBe(0);
      const file = (await readResults(path.join(out, 'results.json')))!;
      expect(file.workloads.map((w) => w.id)).toEqual(['core/codec-number']);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
