/**
 * The pool peers: piscina, tinypool and workerpool on the same task module
 * (`src/fixtures/add-one.mjs`, `workerpool-tasks.cjs`), with as many threads as cores, and
 * CPython's `multiprocessing.Pool`. Each pool is started and warmed before the clock starts.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { Tinypool } from 'tinypool';
import workerpool from 'workerpool';
import { pythonContender } from '../python.js';
import type { Contender } from '../workload.js';

/** The Node pool libraries compared. */
export type PoolLibrary = 'piscina' | 'tinypool' | 'workerpool';

const TASKS = new URL('../fixtures/add-one.mjs', import.meta.url);
const WORKERPOOL_TASKS = fileURLToPath(new URL('../fixtures/workerpool-tasks.cjs', import.meta.url));

/** A started pool of one library, running the fixtures' `addOne` and `fib`. */
export interface PeerPool {
  run(task: 'addOne' | 'fib', argument: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts a pool of `library` with `threads` threads (default: the core count), warmed so
 * that every thread is up before it returns.
 */
export async function openPeerPool(library: PoolLibrary, threads = os.availableParallelism()): Promise<PeerPool> {
  let pool: PeerPool;
  if (library === 'piscina') {
    const p = new Piscina({ filename: TASKS.href, minThreads: threads, maxThreads: threads });
    pool = {
      run: (task, x) => p.run(x, task === 'addOne' ? {} : { name: task }) as Promise<number>,
      close: () => p.destroy(),
    };
  } else if (library === 'tinypool') {
    const p = new Tinypool({ filename: TASKS.href, minThreads: threads, maxThreads: threads });
    pool = {
      run: (task, x) => p.run(x, task === 'addOne' ? {} : { name: task }) as Promise<number>,
      close: () => p.destroy(),
    };
  } else {
    const p = workerpool.pool(WORKERPOOL_TASKS, { minWorkers: threads, maxWorkers: threads, workerType: 'thread' });
    pool = {
      run: (task, x) => p.exec(task, [x]) as unknown as Promise<number>,
      close: () => p.terminate().then(() => undefined),
    };
  }
  // Enough tasks to reach every thread.
  const warm = await Promise.all(Array.from({ length: threads * 4 }, (_, i) => pool.run('addOne', i)));
  if (warm.some((v, i) => v !== i + 1)) throw new Error(`${library} warm-up came back wrong`);
  return pool;
}

/** Options of the tiny-task peers. */
export interface TinyTaskOptions {
  /** Tasks in a full run (a quick run does a tenth). */
  tasks?: number;
  threads?: number;
}

/**
 * `tasks` tiny tasks (`x => x + 1`) submitted at once to a `library` pool, in tasks per
 * second until the last result; checks the sum of the results.
 */
export function poolTinyTasks(library: PoolLibrary, options: TinyTaskOptions = {}): Contender {
  const { tasks = 20_000, threads } = options;
  return {
    name: library,
    role: 'peer',
    async run(quick) {
      const n = quick ? Math.ceil(tasks / 10) : tasks;
      const pool = await openPeerPool(library, threads);
      try {
        const start = performance.now();
        const results = await Promise.all(Array.from({ length: n }, (_, i) => pool.run('addOne', i)));
        const ms = performance.now() - start;
        let sum = 0;
        for (const r of results) sum += r;
        if (results.length !== n || sum !== (n * (n + 1)) / 2) throw new Error(`${results.length} results of ${n}, sum ${sum}`);
        return n / (ms / 1000);
      } finally {
        await pool.close();
      }
    },
  };
}

/** Options of the CPU-bound peers. */
export interface CpuOptions {
  /** fib(`n`) tasks in a full run (default 32 × fib(27)); a quick run does `n - 4`. */
  tasks?: number;
  n?: number;
  threads?: number;
}

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/**
 * CPU-bound speed-up: `tasks` × fib(n) on a `library` pool against the same on the main
 * thread, as serial time / pool time (×, higher is better); checks every result.
 */
export function poolCpuSpeedup(library: PoolLibrary, options: CpuOptions = {}): Contender {
  const { tasks = 32, n = 27, threads } = options;
  return {
    name: library,
    role: 'peer',
    async run(quick) {
      const depth = quick ? n - 4 : n;
      const expected = fib(depth);
      const serialStart = performance.now();
      for (let i = 0; i < tasks; i++) if (fib(depth) !== expected) throw new Error('serial fib is wrong');
      const serial = performance.now() - serialStart;
      const pool = await openPeerPool(library, threads);
      try {
        const start = performance.now();
        const results = await Promise.all(Array.from({ length: tasks }, () => pool.run('fib', depth)));
        const parallel = performance.now() - start;
        if (results.length !== tasks || results.some((r) => r !== expected)) throw new Error(`fib results wrong: ${results.join(',')}`);
        return serial / parallel;
      } finally {
        await pool.close();
      }
    },
  };
}

// Fork where the platform has it (Linux): a function defined in `python3 -c` reaches the
// workers; the pool is warmed with a map before the clock starts.
const POOL_PRELUDE = `
import multiprocessing as mp, os, time
def add_one(x): return x + 1
def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)
ctx = mp.get_context('fork') if 'fork' in mp.get_all_start_methods() else mp.get_context()
`;

/**
 * CPython's `multiprocessing.Pool` with the core count of processes, on tiny tasks
 * (`add_one`): `'apply_async'` submits each at once, `'map'` uses `Pool.map` with
 * `chunksize` (CPython's own default when omitted). Tasks per second.
 */
export function cpythonPoolTinyTasks(mode: 'apply_async' | 'map', options: TinyTaskOptions & { chunksize?: number } = {}): Contender {
  const { tasks = 20_000, threads, chunksize } = options;
  const name = mode === 'map' ? `CPython Pool.map${chunksize ? ` (chunksize ${chunksize})` : ''}` : 'CPython Pool.apply_async';
  return pythonContender(name, (quick) => {
    const n = quick ? Math.ceil(tasks / 10) : tasks;
    const work =
      mode === 'map'
        ? `results = pool.map(add_one, range(n)${chunksize ? `, chunksize=${chunksize}` : ''})`
        : 'results = [r.get() for r in [pool.apply_async(add_one, (i,)) for i in range(n)]]';
    return `${POOL_PRELUDE}
n = ${n}
with ctx.Pool(${threads ?? 'os.cpu_count()'}) as pool:
    pool.map(add_one, range(1000))
    start = time.perf_counter()
    ${work}
    elapsed = time.perf_counter() - start
assert len(results) == n and sum(results) == n * (n + 1) // 2
print(n / elapsed)
`;
  });
}

/** CPython's `multiprocessing.Pool` on `tasks` × fib(n): serial time / pool time (×). */
export function cpythonPoolCpuSpeedup(options: CpuOptions = {}): Contender {
  // CPython is ~30x slower at fib: a smaller n keeps the run short; the ratio is what counts.
  const { tasks = 32, n = 22, threads } = options;
  return pythonContender('CPython Pool.map', (quick) => {
    const depth = quick ? n - 4 : n;
    return `${POOL_PRELUDE}
tasks, depth = ${tasks}, ${depth}
expected = fib(depth)
start = time.perf_counter()
assert all(fib(depth) == expected for _ in range(tasks))
serial = time.perf_counter() - start
with ctx.Pool(${threads ?? 'os.cpu_count()'}) as pool:
    pool.map(add_one, range(100))
    start = time.perf_counter()
    results = pool.map(fib, [depth] * tasks, chunksize=1)
    parallel = time.perf_counter() - start
assert results == [expected] * tasks
print(serial / parallel)
`;
  });
}
