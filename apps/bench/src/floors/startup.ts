/**
 * The start-up floors: from `new Worker(...)` or `fork(...)` to the child's first instruction
 * (its first message arriving), one child after the other, in ms per start.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Contender } from '../workload.js';

const CHILD = new URL('../fixtures/first-instruction.mjs', import.meta.url);

/** Options of the start-up floors. */
export interface StartupOptions {
  name?: string;
  /** Children started in a full run (a quick run starts a fifth, at least 2). */
  starts?: number;
}

/** A start-up floor: `start(i)` starts child i and gives its ms; the figure is their mean. */
function startupFloor(name: string, starts: number, start: (i: number) => Promise<number>): Contender {
  return {
    name,
    role: 'floor',
    async run(quick) {
      const n = quick ? Math.max(2, Math.ceil(starts / 5)) : starts;
      let total = 0;
      for (let i = 0; i < n; i++) total += await start(i);
      return total / n;
    },
  };
}

/** A plain `new Worker(file)`, until its first line's message arrives. */
export function workerStart(options: StartupOptions = {}): Contender {
  const { name = 'raw new Worker', starts = 20 } = options;
  return startupFloor(name, starts, async (i) => {
    const begin = performance.now();
    const worker = new Worker(CHILD, { workerData: i });
    try {
      const message = await new Promise<{ first: number }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      const ms = performance.now() - begin;
      if (message.first !== i) throw new Error(`worker ${i} said ${JSON.stringify(message)}`);
      return ms;
    } finally {
      await worker.terminate();
    }
  });
}

/** A plain `child_process.fork(file)` of a Node process, until its first line's message arrives. */
export function forkStart(options: StartupOptions = {}): Contender {
  const { name = 'raw child_process.fork', starts = 10 } = options;
  return startupFloor(name, starts, async (i) => {
    const begin = performance.now();
    // No inherited tsx loader: a forked user process would not have it either.
    const child = fork(fileURLToPath(CHILD), [String(i)], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const message = await new Promise<{ first: number }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { first: number }));
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`child exited with ${code} before its first message`)));
    });
    const ms = performance.now() - begin;
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
    if (message.first !== i) throw new Error(`child ${i} said ${JSON.stringify(message)}`);
    return ms;
  });
}
