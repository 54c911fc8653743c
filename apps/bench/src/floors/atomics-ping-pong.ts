/**
 * The wake-up floors: a raw `Atomics.wait`/`Atomics.notify` ping-pong between two workers,
 * and a raw `Atomics.waitAsync` (main thread) against `Atomics.wait` (worker) round trip.
 */
import { runGated, spawn, createGate, openGate, type WorkerContext } from '../worker.js';
import type { Contender } from '../workload.js';

/** Options of the ping-pong floors. */
export interface PingPongOptions {
  name?: string;
  /** Round trips in a full run (a quick run does a tenth). */
  trips?: number;
}

// Side 0 serves odd values, side 1 answers with the next even one: the word counts the hits.
function pingPongWorker(context: WorkerContext<{ buffer: SharedArrayBuffer; n: number; side: number }>): number {
  const word = new Int32Array(context.data.buffer);
  const { n, side } = context.data;
  context.ready();
  for (let i = 0; i < n; i++) {
    if (side === 0) {
      Atomics.store(word, 0, 2 * i + 1);
      Atomics.notify(word, 0, 1);
      while (Atomics.load(word, 0) === 2 * i + 1) Atomics.wait(word, 0, 2 * i + 1);
    } else {
      while (Atomics.load(word, 0) === 2 * i) Atomics.wait(word, 0, 2 * i);
      if (Atomics.load(word, 0) !== 2 * i + 1) throw new Error(`round ${i}: saw ${Atomics.load(word, 0)}`);
      Atomics.store(word, 0, 2 * i + 2);
      Atomics.notify(word, 0, 1);
    }
  }
  return n;
}

/** Two workers bouncing one word with `Atomics.wait`/`notify`, in µs per round trip. */
export function atomicsPingPong(options: PingPongOptions = {}): Contender {
  const { name = 'raw Atomics.wait/notify', trips = 20_000 } = options;
  return {
    name,
    role: 'floor',
    async run(quick) {
      const n = quick ? Math.ceil(trips / 10) : trips;
      const buffer = new SharedArrayBuffer(64);
      const { ms, results } = await runGated([
        [pingPongWorker, { buffer, n, side: 0 }],
        [pingPongWorker, { buffer, n, side: 1 }],
      ]);
      const final = Atomics.load(new Int32Array(buffer), 0);
      if (final !== 2 * n || results.some((r) => r !== n)) throw new Error(`word ${final}, expected ${2 * n}`);
      return (ms * 1000) / n;
    },
  };
}

function answerWorker(context: WorkerContext<{ buffer: SharedArrayBuffer; n: number }>): number {
  const word = new Int32Array(context.data.buffer);
  const n = context.data.n;
  context.ready();
  for (let i = 0; i < n; i++) {
    while (Atomics.load(word, 0) === 2 * i) Atomics.wait(word, 0, 2 * i);
    if (Atomics.load(word, 0) !== 2 * i + 1) throw new Error(`round ${i}: saw ${Atomics.load(word, 0)}`);
    Atomics.store(word, 0, 2 * i + 2);
    Atomics.notify(word, 0, 1);
  }
  return n;
}

/**
 * The main thread pings with a store + notify and awaits `Atomics.waitAsync`; a worker
 * answers from a blocking `Atomics.wait`. In µs per round trip.
 */
export function atomicsWaitAsyncRoundTrip(options: PingPongOptions = {}): Contender {
  const { name = 'raw Atomics.waitAsync', trips = 10_000 } = options;
  return {
    name,
    role: 'floor',
    async run(quick) {
      const n = quick ? Math.ceil(trips / 10) : trips;
      const buffer = new SharedArrayBuffer(64);
      const word = new Int32Array(buffer);
      const gate = createGate();
      const worker = spawn(answerWorker, { buffer, n }, { gate });
      try {
        await worker.ready;
        openGate(gate);
        const start = performance.now();
        for (let i = 0; i < n; i++) {
          Atomics.store(word, 0, 2 * i + 1);
          Atomics.notify(word, 0, 1);
          while (Atomics.load(word, 0) === 2 * i + 1) {
            const wait = Atomics.waitAsync(word, 0, 2 * i + 1);
            if (wait.async) await wait.value;
          }
        }
        const ms = performance.now() - start;
        if ((await worker.result) !== n || Atomics.load(word, 0) !== 2 * n) throw new Error(`word ${Atomics.load(word, 0)}, expected ${2 * n}`);
        return (ms * 1000) / n;
      } finally {
        await worker.worker.terminate();
      }
    },
  };
}
