/**
 * @conc/process start-up: from `new Thread(...).start()` / `new Process(...).start()` to the
 * target's first instruction, one after the other, in ms per start; against the raw
 * `new Worker` / `fork` floors (the target: our overhead under 20%) and CPython's
 * `threading.Thread` / `multiprocessing.Process`.
 */
import { Process, Thread } from '@conc/process';
import { waitAsync } from '@conc/core/internal';
import { forkStart, workerStart } from '../floors/index.js';
import { pythonContender } from '../python.js';
import type { Contender, Workload } from '../workload.js';

const starts = (quick: boolean, n: number): number => (quick ? Math.max(2, Math.ceil(n / 5)) : n);

const threadStart: Contender = {
  name: '@conc Thread.start',
  role: 'ours',
  async run(quick) {
    const n = starts(quick, 20);
    const word = new Int32Array(new SharedArrayBuffer(4));
    let total = 0;
    for (let i = 1; i <= n; i++) {
      const begin = performance.now();
      const thread = new Thread({ target: (w: Int32Array, v: number) => { Atomics.store(w, 0, v); Atomics.notify(w, 0); }, args: [word, i] });
      thread.start();
      while (Atomics.load(word, 0) !== i) await waitAsync(word, 0, i - 1, performance.now() + 30_000);
      total += performance.now() - begin;
      if (!(await thread.join(30_000)) || thread.exception) throw new Error(`thread ${i} failed: ${String(thread.exception)}`);
    }
    return total / n;
  },
};

// The child's first instruction signals the parent (SIGUSR2): a path that adds nothing to the
// start itself, unlike a broker round trip.
const processStart: Contender = {
  name: '@conc Process.start',
  role: 'ours',
  async run(quick) {
    const n = starts(quick, 10);
    let total = 0;
    let signalled = 0;
    // Resolved by the signal handler: no polling that would steal the CPU the child boots on.
    let wake: () => void = () => {};
    const onSignal = (): void => {
      signalled++;
      wake();
    };
    process.on('SIGUSR2', onSignal);
    try {
      for (let i = 1; i <= n; i++) {
        const first = new Promise<void>((resolve) => (wake = resolve));
        const begin = performance.now();
        const child = new Process({ target: () => process.kill(process.ppid, 'SIGUSR2') });
        child.start();
        if (signalled < i) await first;
        total += performance.now() - begin;
        if (!(await child.join(30_000)) || child.exitCode !== 0) throw new Error(`process ${i} ended with ${child.exitCode}`);
      }
    } finally {
      process.off('SIGUSR2', onSignal);
    }
    if (signalled !== n) throw new Error(`${signalled} signals for ${n} processes`);
    return total / n;
  },
};

const cpythonThreadStart = pythonContender(
  'CPython threading.Thread',
  (quick) => `
import threading, time
n = ${starts(quick, 20)}
total = 0.0
for i in range(n):
    first = threading.Event()
    begin = time.perf_counter()
    t = threading.Thread(target=first.set)
    t.start()
    first.wait()
    total += time.perf_counter() - begin
    t.join()
    assert first.is_set()
print(total / n * 1000)
`,
);

const cpythonProcessStart = pythonContender(
  'CPython multiprocessing.Process',
  (quick) => `
import multiprocessing as mp, time
def first(conn, i):
    conn.send(i)
if __name__ == '__main__':
    n = ${starts(quick, 10)}
    total = 0.0
    for i in range(n):
        reader, writer = mp.Pipe(False)
        begin = time.perf_counter()
        p = mp.Process(target=first, args=(writer, i))
        p.start()
        got = reader.recv()
        total += time.perf_counter() - begin
        p.join()
        assert got == i and p.exitcode == 0
    print(total / n * 1000)
`,
);

/** One start-up workload: ours against the raw floor (the target) and CPython. */
function startWorkload(kind: 'thread' | 'process', title: string, ours: Contender, floor: Contender, cpython: Contender): Workload {
  return {
    id: `process/${kind}-start`,
    title,
    unit: 'ms',
    better: 'lower',
    contenders: [ours, floor, cpython],
    targets: [{ against: floor.name, ratio: 1.2, note: 'the issue: our overhead under 20%' }],
  };
}

export const workloads: Workload[] = [
  startWorkload('thread', 'Thread start to first instruction', threadStart, workerStart(), cpythonThreadStart),
  startWorkload('process', 'Process start to first instruction', processStart, forkStart(), cpythonProcessStart),
];
