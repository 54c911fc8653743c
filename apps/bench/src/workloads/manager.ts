/**
 * @conc/manager against CPython's `multiprocessing.Manager().dict()`: dict set/get operations
 * per second from a client thread, from a client process and from the main thread. Each client
 * does set(k, i) then get(k) and checks the value; "in flight" is how many such pairs run at
 * once on one connection (ours are Promises and pipeline on one connection).
 *
 * One call at a time — `await d.set(k, v)` in a loop, as every Python example does — is the
 * shape ported code has, so it has its own workloads, each with the raw floor of its transport
 * as a rate: a thread (and the main thread) of the server's process uses a shared-memory
 * channel (floor: an Atomics round trip between two threads; `Atomics.waitAsync` for the main
 * thread), a process uses the socket (floor: a Unix-socket round trip between two processes).
 */
import { spawn as spawnChild } from 'node:child_process';
import { Manager } from '@conc/manager';
import { atomicsPingPong, atomicsWaitAsyncRoundTrip, socketRoundTrip } from '../floors/index.js';
import { pythonContender } from '../python.js';
import { moduleUrl, runGated, type WorkerContext } from '../worker.js';
import type { Contender, Workload } from '../workload.js';

interface ClientData {
  manager: string;
  address: Manager['address'];
  authkey: Uint8Array;
  n: number;
  lanes: number;
  /** Untimed set/get pairs first (see warmUpPairs). */
  warmUp: number;
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
  await round(Math.min(n, context.data.warmUp));
  context.ready();
  const start = performance.now();
  await round(n);
  const seconds = (performance.now() - start) / 1000;
  await manager.close();
  return (2 * n) / seconds;
}

/**
 * The untimed set/get pairs before a client's timed ones. One call at a time, both sides poll
 * only once their code is compiled (a cold side answers too slowly for the other's polls, and
 * both park): the first 5,000 to 10,000 calls go at the socket's pace (packages/manager/README.md,
 * "Performance"), so the warm-up is longer there.
 */
const warmUpPairs = (lanes: number): number => (lanes === 1 ? 6_000 : 2_000);

/** The set/get pairs a client times: fewer when one at a time, as that is slower. */
const clientOps = (quick: boolean, lanes: number): number => (quick ? (lanes > 1 ? 10_000 : 1_000) : lanes > 1 ? 60_000 : 8_000);

function fromThread(lanes: number): Contender {
  return {
    name: `@conc Manager dict, thread client, ${lanes} in flight`,
    role: 'ours',
    async run(quick) {
      await using manager = await Manager.start();
      const { results } = await runGated([[dictClient, { manager: moduleUrl('@conc/manager'), address: manager.address, authkey: manager.authkey, n: clientOps(quick, lanes), lanes, warmUp: warmUpPairs(lanes) }]]);
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
      const data: ClientData = { manager: moduleUrl('@conc/manager'), address: manager.address, authkey: manager.authkey, n: clientOps(quick, lanes), lanes, warmUp: warmUpPairs(lanes) };
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

/** A main-thread client: this thread's own manager handle, one call at a time. */
const fromMain: Contender = {
  name: '@conc Manager dict, main thread, 1 in flight',
  role: 'ours',
  async run(quick) {
    await using manager = await Manager.start();
    const d = await manager.dict<number, number>();
    const n = clientOps(quick, 1);
    const pass = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const key = i % 100;
        await d.set(key, i);
        if ((await d.get(key)) !== i) throw new Error(`d.get(${key}) is not ${i}`);
      }
    };
    await pass(Math.min(n, warmUpPairs(1)));
    const start = performance.now();
    await pass(n);
    return (2 * n) / ((performance.now() - start) / 1000);
  },
};

/** CPython's client from a thread of the manager's parent, or from its main thread. */
function pythonInProcess(where: 'thread' | 'main'): Contender {
  return pythonContender(
    `CPython Manager().dict(), ${where === 'thread' ? 'thread client' : 'main thread'}`,
    (quick) => `
import threading, time
from multiprocessing import Manager
n = ${quick ? 1_000 : 5_000}
if __name__ == '__main__':
    with Manager() as m:
        d = m.dict()
        out = {}
        def work():
            for i in range(1000):  # untimed warm-up: this thread's connection is made here
                d[i % 100] = i
            start = time.perf_counter()
            for i in range(n):
                k = i % 100
                d[k] = i
                assert d[k] == i
            out['s'] = time.perf_counter() - start
        ${where === 'thread' ? 't = threading.Thread(target=work); t.start(); t.join()' : 'work()'}
        print(2 * n / out['s'])
`,
  );
}

const pythonFromThread = pythonInProcess('thread');

/** A floor given in µs per round trip, as round trips per second (one call is one round trip). */
function perSecond(floor: Contender, name: string): Contender {
  return { ...floor, name, run: async (quick) => 1e6 / (await floor.run(quick)) };
}

const pythonFromProcess = pythonContender(
  'CPython Manager().dict(), process client',
  (quick) => `
import time
from multiprocessing import Manager, Process, Queue
n = ${quick ? 1_000 : 5_000}
def work(d, q):
    for i in range(1000):  # untimed warm-up: this process's connection is made here
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

/** One dict workload: our client of `kind` with `lanes` calls in flight, against CPython's (and a floor). */
function dictWorkload(kind: 'thread' | 'process', lanes: number, target: NonNullable<Workload['targets']>, floor?: Contender): Workload {
  const sequential = lanes === 1;
  return {
    id: `manager/dict-${kind}${sequential ? '-sequential' : ''}`,
    title: sequential
      ? `Manager dict set/get from a client ${kind}, one call at a time (as Python does)`
      : `Manager dict set/get from a client ${kind} (${lanes} calls in flight)`,
    unit: 'ops/s',
    better: 'higher',
    contenders: [...(kind === 'thread' ? [fromThread(lanes), pythonFromThread] : [fromProcess(lanes), pythonFromProcess]), ...(floor ? [floor] : [])],
    targets: target,
  };
}

export const workloads: Workload[] = [
  dictWorkload('thread', 64, [{ against: 'CPython', ratio: 10, note: 'issue 7: at least 10x CPython from a thread' }]),
  dictWorkload('process', 64, [{ against: 'CPython', ratio: 2, note: 'issue 7: at least 2x CPython from a process' }]),
  dictWorkload(
    'thread',
    1,
    [{ against: 'CPython', ratio: 4, note: 'issue 18: at least 4x CPython one call at a time from a thread' }],
    perSecond(atomicsPingPong(), 'raw Atomics.wait/notify round trips between two threads'),
  ),
  dictWorkload(
    'process',
    1,
    [{ against: 'CPython', ratio: 2, note: 'issue 18: at least 2x CPython one call at a time from a process' }],
    perSecond(socketRoundTrip(), 'raw Unix socket round trips between two processes'),
  ),
  {
    id: 'manager/dict-main-sequential',
    title: 'Manager dict set/get from the main thread, one call at a time (a first program)',
    unit: 'ops/s',
    better: 'higher',
    contenders: [fromMain, pythonInProcess('main'), perSecond(atomicsWaitAsyncRoundTrip(), 'raw Atomics.waitAsync round trips (main thread and a worker)')],
    targets: [{ against: 'CPython', ratio: 1, note: 'issue 18: the main thread at least as fast as before (it was at par with CPython)' }],
  },
];
