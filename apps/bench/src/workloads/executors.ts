/**
 * @conc/pool's executors (Python's concurrent.futures) against piscina's `run()` and CPython's
 * `ProcessPoolExecutor`/`ThreadPoolExecutor`, all with as many workers as cores: 20k tiny
 * tasks submitted one by one, then every future read as it completes (`asCompleted`).
 */
import os from 'node:os';
import { ProcessPoolExecutor, ThreadPoolExecutor, asCompleted, type Executor, type Future } from '@conc/pool';
import { poolTinyTasks } from '../peers/index.js';
import { pythonContender } from '../python.js';
import type { Contender, Workload } from '../workload.js';

const TASKS = 20_000;
const cores = os.availableParallelism();

const addOne = (x: number): number => x + 1;

/**
 * `submit` of n tiny tasks and `asCompleted` over their futures, on an executor whose workers
 * are all started and warm (the function known to each) before the clock starts.
 */
function executorContender(name: string, role: Contender['role'], make: () => Executor): Contender {
  return {
    name,
    role,
    async run(quick) {
      const n = quick ? TASKS / 10 : TASKS;
      const executor = make();
      try {
        // Warm every worker: enough tasks at once to start them all, then a round of the same
        // shape as the measured one.
        const warm = Array.from({ length: cores * 64 }, (_, i) => executor.submit(addOne, i));
        for await (const future of asCompleted(warm)) await future.result();
        const start = performance.now();
        const futures: Future<number>[] = new Array(n);
        for (let i = 0; i < n; i++) futures[i] = executor.submit(addOne, i);
        let sum = 0;
        let count = 0;
        for await (const future of asCompleted(futures)) {
          sum += await future.result();
          count++;
        }
        const ms = performance.now() - start;
        if (count !== n || sum !== (n * (n + 1)) / 2) throw new Error(`${count} results of ${n}, sum ${sum}`);
        return n / (ms / 1000);
      } finally {
        await executor.shutdown();
      }
    },
  };
}

function cpythonExecutor(kind: 'ProcessPoolExecutor' | 'ThreadPoolExecutor'): Contender {
  return pythonContender(`CPython ${kind}.submit + as_completed`, (quick) => `
import concurrent.futures as cf, multiprocessing as mp, os, time
def add_one(x): return x + 1
n = ${quick ? TASKS / 10 : TASKS}
kwargs = {'mp_context': mp.get_context('fork')} if '${kind}' == 'ProcessPoolExecutor' and 'fork' in mp.get_all_start_methods() else {}
with cf.${kind}(os.cpu_count(), **kwargs) as executor:
    for f in cf.as_completed([executor.submit(add_one, i) for i in range(os.cpu_count() * 64)]): f.result()
    start = time.perf_counter()
    futures = [executor.submit(add_one, i) for i in range(n)]
    total = 0
    count = 0
    for f in cf.as_completed(futures):
        total += f.result()
        count += 1
    elapsed = time.perf_counter() - start
assert count == n and total == n * (n + 1) // 2
print(n / elapsed)
`);
}

export const workloads: Workload[] = [
  {
    id: 'executors/submit-as-completed',
    title: `${TASKS / 1000}k tiny tasks (x => x + 1): submit each, then asCompleted over all, ${cores} workers`,
    unit: 'tasks/s',
    better: 'higher',
    contenders: [
      executorContender('@conc ThreadPoolExecutor.submit + asCompleted', 'ours', () => new ThreadPoolExecutor(cores)),
      executorContender('@conc ProcessPoolExecutor.submit + asCompleted', 'peer', () => new ProcessPoolExecutor(cores)),
      poolTinyTasks('piscina', { tasks: TASKS }),
      cpythonExecutor('ProcessPoolExecutor'),
      cpythonExecutor('ThreadPoolExecutor'),
    ],
    targets: [{ against: 'piscina', ratio: 5, note: 'issue 17: submit + asCompleted at least 5x piscina run()' }],
  },
];
