/** The message-passing floors: a plain `Worker` and `postMessage`, nothing on top. */
import { createGate, openGate, spawn, type WorkerContext } from '../worker.js';
import type { Contender } from '../workload.js';

/** Options of the postMessage floors. */
export interface PostMessageOptions {
  name?: string;
  /** Messages (or round trips) in a full run (a quick run does a tenth). */
  messages?: number;
}

function echo(context: WorkerContext<null>): Promise<number> {
  return new Promise((resolve) => {
    let count = 0;
    context.port.on('message', (message: { i?: number; stop?: boolean }) => {
      if (message.stop) resolve(count);
      else {
        count++;
        context.port.postMessage(message);
      }
    });
    context.ready();
  });
}

/** The main thread posts `{ i }`, the worker posts it back; µs per round trip. */
export function postMessageRoundTrip(options: PostMessageOptions = {}): Contender {
  const { name = 'raw Worker postMessage', messages = 10_000 } = options;
  return {
    name,
    role: 'floor',
    async run(quick) {
      const n = quick ? Math.ceil(messages / 10) : messages;
      const gate = createGate();
      const { worker, ready, result } = spawn(echo, null, { gate });
      try {
        await ready;
        openGate(gate);
        const start = performance.now();
        await new Promise<void>((resolve, reject) => {
          let i = 0;
          const onMessage = (message: { i?: number; type?: string }): void => {
            if (message.type !== undefined) return;
            if (message.i !== i) {
              worker.off('message', onMessage);
              reject(new Error(`round trip ${i} came back as ${JSON.stringify(message)}`));
              return;
            }
            if (++i === n) {
              worker.off('message', onMessage);
              resolve();
            } else worker.postMessage({ i });
          };
          worker.on('message', onMessage);
          result.catch(reject);
          worker.postMessage({ i: 0 });
        });
        const ms = performance.now() - start;
        worker.postMessage({ stop: true });
        const echoed = await result;
        if (echoed !== n) throw new Error(`worker echoed ${echoed} of ${n}`);
        return (ms * 1000) / n;
      } finally {
        await worker.terminate();
      }
    },
  };
}

function sink(context: WorkerContext<{ n: number }>): Promise<{ count: number; sum: number }> {
  return new Promise((resolve, reject) => {
    let count = 0;
    let sum = 0;
    context.port.on('message', (message: { i: number; name: string; value: number }) => {
      if (message.i !== count || message.value !== message.i * 0.5) reject(new Error(`message ${count} was ${JSON.stringify(message)}`));
      sum += message.i;
      if (++count === context.data.n) resolve({ count, sum });
    });
    context.ready();
  });
}

/** The main thread posts small objects one way to a worker; messages per second until the worker has them all. */
export function postMessageThroughput(options: PostMessageOptions = {}): Contender {
  const { name = 'raw Worker postMessage', messages = 200_000 } = options;
  return {
    name,
    role: 'floor',
    async run(quick) {
      const n = quick ? Math.ceil(messages / 10) : messages;
      const gate = createGate();
      const { worker, ready, result } = spawn(sink, { n }, { gate });
      try {
        await ready;
        openGate(gate);
        const start = performance.now();
        for (let i = 0; i < n; i++) worker.postMessage({ i, name: 'item', value: i * 0.5 });
        const { count, sum } = await result;
        const ms = performance.now() - start;
        if (count !== n || sum !== (n * (n - 1)) / 2) throw new Error(`worker got ${count} of ${n}, sum ${sum}`);
        return n / (ms / 1000);
      } finally {
        await worker.terminate();
      }
    },
  };
}
