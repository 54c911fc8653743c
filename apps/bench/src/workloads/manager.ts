/**
 * @conc/manager against CPython's `multiprocessing.Manager().dict()`: dict set/get operations
 * per second from a client thread and from a client process. Each client does set(k, i) then
 * get(k) and checks the value; "in flight" is how many such pairs run at once on one
 * connection (Python's proxy calls are one at a time per thread; ours are Promises and
 * pipeline on one connection). The one-at-a-time figures are shown too, for honesty.
 */
import { spawn as spawnChild } from 'node:child_process';
import { Manager } from '@conc/manager';
import { pythonContender } from '../python.js';
import { moduleUrl, runGated, type WorkerContext } from '../worker.js';
import type { Contender, Workload } from '../workload.js';

interface ClientData {
  manager: string;
  address: Manager['address'];
  authkey: Uint8Array;
  n: number;
  lanes: number;
}

// Runs in a worker thread (shipped as source) and, as text, in a child process: connects,
// then `lanes` loops each doing set/get on its own keys; returns ops/s of the timed loop.
async function dictClient(context: WorkerContext<ClientData>): Promise<number> {
  const { Manager } = (await context.load(context.data.manager)) as typeof import('@conc/manager');
  const { address, authkey, n, lanes } = context.data;
  const manager = await Manager.connect({ address, authkey });
  const d = await manager.dict<number, number>();
  let next = 0;
  let bad = 0;
  let todo = 0;
  const lane = async (id: number): Promise<void> => {
    while (next < todo) {
      const i = next++;
      const key = id * 100 + (i % 100);
      await d.set(key, i);
      if ((await d.get(key)) !== i) bad++;
    }
  };
  const round = async (count: number): Promise<void> => {
    next = 0;
    todo = count;
    await Promise.all(Array.from({ length: lanes }, (_, id) => lane(id)));
    if (bad !== 0 || next !== count) throw new Error(`${bad} wrong values, ${next} of ${count} done`);
  };
  // Untimed warm-up, so the figure is the steady state and not the JIT's start.
  await round(Math.min(n, 2_000));
  context.ready();
  const start = performance.now();
  await round(n);
  const seconds = (performance.now() - start) / 1000;
  await manager.close();
  return (2 * n) / seconds;
}

function fromThread(lanes: number): Contender {
  return {
    name: `@conc Manager dict, thread client, ${lanes} in flight`,
    role: 'ours',
    async run(quick) {
      await using manager = await Manager.start();
      const n = quick ? (lanes > 1 ? 10_000 : 1_000) : lanes > 1 ? 60_000 : 8_000;
      const { results } = await runGated([[dictClient, { manager: moduleUrl('@conc/manager'), address: manager.address, authkey: manager.authkey, n, lanes }]]);
      return results[0]!;
    },
  };
}

function fromProcess(lanes: number): Contender {
  return {
    name: `@conc Manager dict, process client, ${lanes} in flight`,
    role: 'ours',
    async run(quick) {
      await using manager = await Manager.start();
      const n = quick ? (lanes > 1 ? 10_000 : 1_000) : lanes > 1 ? 60_000 : 8_000;
      const data: ClientData = { manager: moduleUrl('@conc/manager'), address: manager.address, authkey: manager.authkey, n, lanes };
      // The same client function, run by a separate node process; it prints its figure.
      const script = `
        const data = ${JSON.stringify({ ...data, authkey: Buffer.from(data.authkey).toString('hex') })};
        data.authkey = Buffer.from(data.authkey, 'hex');
        const context = { data, ready() {}, load: (url) => import(url) };
        const client = (${dictClient.toString()});
        client(context).then((figure) => console.log(figure), (error) => { console.error(error); process.exit(1); });
      `;
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawnChild(process.execPath, ['--input-type=module', '-e', `var __name = (f) => f;\n${script}`], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`client process failed (${code}): ${stderr}`))));
      });
      const figure = Number(out.trim().split('\n').pop());
      if (!Number.isFinite(figure) || figure <= 0) throw new Error(`client process printed ${out}`);
      return figure;
    },
  };
}

const pythonFromThread = pythonContender(
  'CPython Manager().dict(), thread client',
  (quick) => `
import threading, time
from multiprocessing import Manager
n = ${quick ? 1_000 : 5_000}
if __name__ == '__main__':
    with Manager() as m:
        d = m.dict()
        out = {}
        def work():
            for i in range(200):  # untimed warm-up: this thread's connection is made here
                d[i % 100] = i
            start = time.perf_counter()
            for i in range(n):
                k = i % 100
                d[k] = i
                assert d[k] == i
            out['s'] = time.perf_counter() - start
        t = threading.Thread(target=work); t.start(); t.join()
        print(2 * n / out['s'])
`,
);

const pythonFromProcess = pythonContender(
  'CPython Manager().dict(), process client',
  (quick) => `
import time
from multiprocessing import Manager, Process, Queue
n = ${quick ? 1_000 : 5_000}
def work(d, q):
    for i in range(200):  # untimed warm-up: this process's connection is made here
        d[i % 100] = i
    start = time.perf_counter()
    for i in range(n):
        k = i % 100
        d[k] = i
        assert d[k] == i
    q.put(time.perf_counter() - start)
if __name__ == '__main__':
    with Manager() as m:
        d = m.dict()
        q = Queue()
        p = Process(target=work, args=(d, q)); p.start()
        seconds = q.get(); p.join()
        assert p.exitcode == 0
        print(2 * n / seconds)
`,
);

export const workloads: Workload[] = [
  {
    id: 'manager/dict-thread',
    title: 'Manager dict set/get from a client thread (64 calls in flight)',
    unit: 'ops/s',
    better: 'higher',
    contenders: [fromThread(64), pythonFromThread],
    targets: [{ against: 'CPython', ratio: 10, note: 'issue 7: at least 10x CPython from a thread' }],
  },
  {
    id: 'manager/dict-process',
    title: 'Manager dict set/get from a client process (64 calls in flight)',
    unit: 'ops/s',
    better: 'higher',
    contenders: [fromProcess(64), pythonFromProcess],
    targets: [{ against: 'CPython', ratio: 2, note: 'issue 7: at least 2x CPython from a process' }],
  },
  {
    id: 'manager/dict-thread-sequential',
    title: 'Manager dict set/get from a client thread, one call at a time (as Python does)',
    unit: 'ops/s',
    better: 'higher',
    contenders: [fromThread(1), pythonFromThread],
  },
  {
    id: 'manager/dict-process-sequential',
    title: 'Manager dict set/get from a client process, one call at a time (as Python does)',
    unit: 'ops/s',
    better: 'higher',
    contenders: [fromProcess(1), pythonFromProcess],
  },
];
