/**
 * @conc/pool against piscina, tinypool, workerpool and CPython's multiprocessing.Pool, all with
 * as many workers as cores: 100k tiny tasks submitted at once and through `map` with a
 * chunksize; the CPU-bound speed-up of 32 × fib(27) over serial; tasks with 1 MB buffer
 * arguments.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Pool } from '@conc/pool';
import { Piscina } from 'piscina';
import { Tinypool } from 'tinypool';
import workerpool from 'workerpool';
import {
  cpythonPoolCpuSpeedup,
  cpythonPoolTinyTasks,
  poolCpuSpeedup,
  poolTinyTasks,
} from '../peers/index.js';
import { pythonContender } from '../python.js';
import type { Contender, Workload } from '../workload.js';

const TINY = 100_000;
/** Tasks of the one-call-at-a-time workload against its raw floor (issue 18's shape). */
const FEW = 20_000;
const CHUNKSIZE = 1_000;
const BUFFER_TASKS = 200;
const MB = 1 << 20;
const cores = os.availableParallelism();

const addOne = (x: number): number => x + 1;

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

// Shipped as source: a named function refers to itself, so it is self-contained (a closure
// over an inner helper would run slower than the peers' module-level fib, for V8 reasons).
function fibTask(n: number): number {
  return n < 2 ? n : fibTask(n - 1) + fibTask(n - 2);
}

/** A pool of `cores` threads, warmed so that every worker has the target before the clock. */
async function openPool(): Promise<Pool> {
  const pool = new Pool(cores);
  const warm = await pool.map(addOne, Array.from({ length: cores * 64 }, (_, i) => i), 1);
  if (warm.some((v, i) => v !== i + 1)) throw new Error('@conc warm-up came back wrong');
  // As CPython's contenders warm up with a pool.map: the map path, JIT-compiled in the workers.
  const mapped = await pool.map(addOne, Array.from({ length: 20_000 }, (_, i) => i), 1_000);
  if (mapped.some((v, i) => v !== i + 1)) throw new Error('@conc map warm-up came back wrong');
  await pool.map(fibTask, Array.from({ length: cores * 2 }, () => 10), 1);
  return pool;
}

function checkSum(results: number[], n: number): void {
  let sum = 0;
  for (const r of results) sum += r;
  if (results.length !== n || sum !== (n * (n + 1)) / 2) throw new Error(`${results.length} results of ${n}, sum ${sum}`);
}

function checkInOrder(results: number[], n: number): void {
  checkSum(results, n);
  if (results.some((v, i) => v !== i + 1)) throw new Error('imap out of order');
}

/** What a tiny-task contender runs on: `run` maps x => x + 1 over the items, in order. */
interface TinyRunner {
  run(items: number[]): Promise<number[]>;
  close(): Promise<unknown>;
}

/** One tiny-task contender: opens its runner, times one `run` over 0..n-1, checks the results. */
function tinyContender(name: string, role: Contender['role'], open: () => Promise<TinyRunner>, check = checkSum, tasks = TINY): Contender {
  return {
    name,
    role,
    async run(quick) {
      const n = quick ? tasks / 10 : tasks;
      const runner = await open();
      try {
        const items = Array.from({ length: n }, (_, i) => i);
        const start = performance.now();
        const results = await runner.run(items);
        const ms = performance.now() - start;
        check(results, n);
        return n / (ms / 1000);
      } finally {
        await runner.close();
      }
    },
  };
}

/**
 * A runner on our warmed pool, submitting the items through `submit`; `sameShape` rounds of
 * `submit` over 2,000 items first, where a floor is warmed with rounds of its own shape (so
 * that neither side's workers compile the measured path inside the measured window).
 */
function ourPool(submit: (pool: Pool, items: number[]) => Promise<number[]>, sameShape = 0): () => Promise<TinyRunner> {
  return async () => {
    const pool = await openPool();
    try {
      for (let round = 0; round < sameShape; round++) checkSum(await submit(pool, Array.from({ length: 2_000 }, (_, i) => i)), 2_000);
    } catch (error) {
      await pool.terminate();
      throw error;
    }
    return { run: (items) => submit(pool, items), close: () => pool.terminate() };
  };
}

async function collect(results: AsyncIterable<number>): Promise<number[]> {
  const out: number[] = [];
  for await (const v of results) out.push(v);
  return out;
}

const applyAll = (pool: Pool, items: number[]): Promise<number[]> => Promise.all(items.map((i) => pool.applyAsync(addOne, [i])));
const oursAtOnce = tinyContender('@conc Pool.applyAsync', 'ours', ourPool(applyAll));
// Warmed as its floor (rawTaskFloor) is: five rounds of the same shape on 2,000 items.
const oursAtOnceFew = tinyContender('@conc Pool.applyAsync', 'ours', ourPool(applyAll, 5), checkSum, FEW);
const oursMap = tinyContender(`@conc Pool.map (chunksize ${CHUNKSIZE})`, 'ours', ourPool((pool, items) => pool.map(addOne, items, CHUNKSIZE)));
const oursMapDefault = tinyContender('@conc Pool.map (default chunksize)', 'peer', ourPool((pool, items) => pool.map(addOne, items)));
const oursImap = tinyContender('@conc Pool.imap (chunksize 1)', 'peer', ourPool((pool, items) => collect(pool.imap(addOne, items))), checkInOrder);

// The floor of a map of tiny tasks: raw workers, each sent its share of the items as one
// Float64Array and answering with one Float64Array of x + 1, results placed into one array.
// Fresh workers per run, warmed as openPool warms ours (the same map, the loop compiled).
const rawMapWorker = `
const { parentPort } = require('node:worker_threads');
function addAll(items) {
  const out = new Float64Array(items.length);
  for (let i = 0; i < items.length; i++) out[i] = items[i] + 1;
  return out;
}
parentPort.on('message', (items) => {
  const out = addAll(items);
  parentPort.postMessage(out, [out.buffer]);
});
`;

async function rawMap(workers: Worker[], items: number[]): Promise<number[]> {
  const n = items.length;
  const share = Math.ceil(n / workers.length);
  const results = new Array<number>(n);
  await Promise.all(
    workers.map((worker, w) => {
      const start = w * share;
      const end = Math.min(n, start + share);
      const part = new Float64Array(end - start);
      for (let i = start; i < end; i++) part[i - start] = items[i]!;
      return new Promise<void>((resolve) => {
        worker.once('message', (out: Float64Array) => {
          for (let i = 0; i < out.length; i++) results[start + i] = out[i]!;
          resolve();
        });
        worker.postMessage(part, [part.buffer]);
      });
    }),
  );
  return results;
}

const rawMapFloor = tinyContender('raw Workers: one Float64Array each way per worker', 'floor', async () => {
  const workers = Array.from({ length: cores }, () => new Worker(rawMapWorker, { eval: true }));
  const close = (): Promise<unknown> => Promise.all(workers.map((worker) => worker.terminate()));
  try {
    for (let round = 0; round < 20; round++) await rawMap(workers, Array.from({ length: 1_000 }, (_, i) => i));
  } catch (error) {
    await close();
    throw error;
  }
  return { run: (items) => rawMap(workers, items), close };
});

// The floor of tiny tasks submitted at once, one call at a time: raw workers, the main thread
// posting one message per task (round robin) and each worker answering one message per task,
// each task's result resolving its own promise (the shape of applyAsync: one awaitable per
// task). Fresh workers per run, warmed with a few rounds of the same.
const rawTaskWorker = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (x) => parentPort.postMessage(x + 1));
`;

const rawTaskFloor = tinyContender('raw Workers: one message per task each way, a promise each', 'floor', async () => {
  const workers = Array.from({ length: cores }, () => new Worker(rawTaskWorker, { eval: true }));
  // Each worker answers in order: its pending resolvers are a FIFO.
  const pending: ((value: number) => void)[][] = workers.map(() => []);
  workers.forEach((worker, w) => worker.on('message', (value: number) => pending[w]!.shift()!(value)));
  let next = 0;
  const call = (x: number): Promise<number> =>
    new Promise<number>((resolve) => {
      const w = next++ % workers.length;
      pending[w]!.push(resolve);
      workers[w]!.postMessage(x);
    });
  const run = (items: number[]): Promise<number[]> => Promise.all(items.map(call));
  const close = (): Promise<unknown> => Promise.all(workers.map((worker) => worker.terminate()));
  try {
    for (let round = 0; round < 5; round++) await run(Array.from({ length: 2_000 }, (_, i) => i));
  } catch (error) {
    await close();
    throw error;
  }
  return { run, close };
}, checkSum, FEW);

const oursCpu: Contender = {
  name: '@conc Pool.map',
  role: 'ours',
  async run(quick) {
    const tasks = 32;
    const depth = quick ? 23 : 27;
    const expected = fib(depth);
    const serialStart = performance.now();
    for (let i = 0; i < tasks; i++) if (fib(depth) !== expected) throw new Error('serial fib is wrong');
    const serial = performance.now() - serialStart;
    const pool = await openPool();
    try {
      const start = performance.now();
      const results = await pool.map(fibTask, Array.from({ length: tasks }, () => depth), 1);
      const parallel = performance.now() - start;
      if (results.length !== tasks || results.some((r) => r !== expected)) throw new Error(`fib results wrong: ${results.join(',')}`);
      return serial / parallel;
    } finally {
      await pool.terminate();
    }
  },
};

// The reference line of the speed-up: one worker per core, perfectly used.
const idealSpeedup: Contender = {
  name: `ideal (${cores} cores)`,
  role: 'floor',
  run: () => Promise.resolve(cores),
};

// The 1 MB workload: each task gets its own 1 MB buffer and returns a checksum of a few bytes.
const bufferSource = 'export default function check(b) { return b.length + b[0] + b[b.length - 1]; }\n';
let bufferModulePath: string | undefined;
// piscina and tinypool load a task file: written once per run to a temporary directory.
function bufferModule(): string {
  if (!bufferModulePath) {
    bufferModulePath = join(mkdtempSync(join(os.tmpdir(), 'conc-bench-pool-')), 'check-buffer.mjs');
    writeFileSync(bufferModulePath, bufferSource);
  }
  return pathToFileURL(bufferModulePath).href;
}
const checkBuffer = (b: Uint8Array): number => b.length + b[0]! + b[b.length - 1]!;

function makeBuffers(n: number): { buffers: Uint8Array[]; expected: number } {
  const buffers: Uint8Array[] = [];
  let expected = 0;
  for (let i = 0; i < n; i++) {
    const b = new Uint8Array(MB);
    b[0] = i & 0xff;
    b[MB - 1] = (i * 7) & 0xff;
    buffers.push(b);
    expected += checkBuffer(b);
  }
  return { buffers, expected };
}

function bufferContender(name: string, role: Contender['role'], open: () => Promise<{ run(b: Uint8Array): PromiseLike<number>; close(): Promise<void> }>): Contender {
  return {
    name,
    role,
    async run(quick) {
      const n = quick ? BUFFER_TASKS / 10 : BUFFER_TASKS;
      const { buffers, expected } = makeBuffers(n);
      const pool = await open();
      try {
        await Promise.all(Array.from({ length: cores * 2 }, () => pool.run(buffers[0]!)));
        const start = performance.now();
        const results = await Promise.all(buffers.map((b) => pool.run(b)));
        const ms = performance.now() - start;
        const sum = results.reduce((a, b) => a + b, 0);
        if (results.length !== n || sum !== expected) throw new Error(`buffer checksums ${sum}, expected ${expected}`);
        return n / (ms / 1000);
      } finally {
        await pool.close();
      }
    },
  };
}

const bufferContenders: Contender[] = [
  bufferContender('@conc Pool.applyAsync', 'ours', async () => {
    const pool = new Pool(cores);
    return { run: (b) => pool.applyAsync(checkBuffer, [b]), close: () => pool.terminate() };
  }),
  bufferContender('piscina', 'peer', async () => {
    const pool = new Piscina({ filename: bufferModule(), minThreads: cores, maxThreads: cores });
    return { run: (b) => pool.run(b) as Promise<number>, close: () => pool.destroy() };
  }),
  bufferContender('tinypool', 'peer', async () => {
    const pool = new Tinypool({ filename: bufferModule(), minThreads: cores, maxThreads: cores });
    return { run: (b) => pool.run(b) as Promise<number>, close: () => pool.destroy() };
  }),
  bufferContender('workerpool', 'peer', async () => {
    const pool = workerpool.pool({ minWorkers: cores, maxWorkers: cores, workerType: 'thread' });
    return { run: (b) => pool.exec(checkBuffer, [b]) as unknown as Promise<number>, close: () => pool.terminate().then(() => undefined) };
  }),
  pythonContender('CPython Pool.apply_async', (quick) => `
import multiprocessing as mp, os, time
def check(b): return len(b) + b[0] + b[-1]
ctx = mp.get_context('fork') if 'fork' in mp.get_all_start_methods() else mp.get_context()
n = ${quick ? BUFFER_TASKS / 10 : BUFFER_TASKS}
buffers = []
for i in range(n):
    b = bytearray(${MB})
    b[0] = i & 0xff
    b[-1] = (i * 7) & 0xff
    buffers.append(bytes(b))
expected = sum(check(b) for b in buffers)
with ctx.Pool(os.cpu_count()) as pool:
    pool.map(check, buffers[:8])
    start = time.perf_counter()
    results = [r.get() for r in [pool.apply_async(check, (b,)) for b in buffers]]
    elapsed = time.perf_counter() - start
assert sum(results) == expected
print(n / elapsed)
`),
];

export const workloads: Workload[] = [
  {
    id: 'pool/tiny-tasks-at-once',
    title: `${TINY / 1000}k tiny tasks (x => x + 1) submitted at once, ${cores} workers`,
    unit: 'tasks/s',
    better: 'higher',
    contenders: [
      oursAtOnce,
      poolTinyTasks('piscina', { tasks: TINY }),
      poolTinyTasks('tinypool', { tasks: TINY }),
      poolTinyTasks('workerpool', { tasks: TINY }),
      cpythonPoolTinyTasks('apply_async', { tasks: TINY }),
    ],
    targets: [{ against: 'piscina', ratio: 5, note: 'issue 6: tiny-task throughput at least 5x piscina' }],
  },
  {
    id: 'pool/tiny-tasks-one-call-each',
    title: `${FEW / 1000}k tiny tasks (x => x + 1), one applyAsync each, submitted at once, against raw workers posting one message per task, ${cores} workers`,
    unit: 'tasks/s',
    better: 'higher',
    contenders: [oursAtOnceFew, rawTaskFloor, poolTinyTasks('piscina', { tasks: FEW })],
    targets: [{ against: 'raw Workers: one message per task', ratio: 0.9, note: 'issue 18: at least 0.9x raw workers posting one message per task' }],
  },
  {
    id: 'pool/tiny-tasks-map',
    title: `${TINY / 1000}k tiny tasks through map, ${cores} workers`,
    unit: 'tasks/s',
    better: 'higher',
    contenders: [
      oursMap,
      oursMapDefault,
      oursImap,
      rawMapFloor,
      cpythonPoolTinyTasks('map', { tasks: TINY }),
      cpythonPoolTinyTasks('map', { tasks: TINY, chunksize: CHUNKSIZE }),
    ],
    targets: [
      { against: 'CPython Pool.map', ratio: 2, note: "issue 6: at least 2x CPython's Pool.map" },
      { against: `CPython Pool.map (chunksize ${CHUNKSIZE})`, ratio: 2, note: 'the same chunksize on both sides' },
    ],
  },
  {
    id: 'pool/cpu-speedup',
    title: `CPU-bound speed-up over serial: 32 × fib(27) on ${cores} workers (×, the ideal is ${cores})`,
    unit: '×',
    better: 'higher',
    contenders: [oursCpu, idealSpeedup, poolCpuSpeedup('piscina'), poolCpuSpeedup('tinypool'), poolCpuSpeedup('workerpool'), cpythonPoolCpuSpeedup()],
    targets: [
      { against: 'ideal', ratio: 0.95, note: `issue 6: speed-up at least 0.95 × the ${cores} cores` },
      { against: 'piscina', ratio: 1, note: 'at least as good as piscina' },
    ],
  },
  {
    id: 'pool/buffer-1mb',
    title: `${BUFFER_TASKS} tasks with a 1 MB buffer argument each, ${cores} workers`,
    unit: 'tasks/s',
    better: 'higher',
    contenders: bufferContenders,
  },
];
