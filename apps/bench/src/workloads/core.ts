/**
 * @conc/core against its own floors: the futex wrappers (`waitSync`/`wake`, `waitAsync`)
 * against raw Atomics, and the value codec against `v8.serialize` and JSON.
 */
import { decode, encode, waitAsync, wake } from '@conc/core/internal';
import { deserialize, serialize } from 'node:v8';
import { atomicsPingPong, atomicsWaitAsyncRoundTrip, postMessageRoundTrip } from '../floors/index.js';
import { cpythonEventPingPong } from '../peers/index.js';
import { createGate, moduleUrl, openGate, runGated, spawn, type WorkerContext } from '../worker.js';
import type { Contender, Workload } from '../workload.js';

interface PingData {
  core: string;
  buffer: SharedArrayBuffer;
  n: number;
  side: number;
}

// The word at index 0 counts the hits, index 16 (its own cache line) counts the waiters, so
// `wake` skips the notify when nobody waits. Side 0 pings, side 1 answers.
async function corePingPong(context: WorkerContext<PingData>): Promise<number> {
  const { waitSync, wake } = (await context.load(context.data.core)) as typeof import('@conc/core/internal');
  const word = new Int32Array(context.data.buffer);
  const { n, side } = context.data;
  context.ready();
  for (let i = 0; i < n; i++) {
    if (side === 0) {
      Atomics.store(word, 0, 2 * i + 1);
      wake(word, 0, 1, 16);
      while (Atomics.load(word, 0) === 2 * i + 1) waitSync(word, 0, 2 * i + 1, Infinity, 16);
    } else {
      while (Atomics.load(word, 0) === 2 * i) waitSync(word, 0, 2 * i, Infinity, 16);
      if (Atomics.load(word, 0) !== 2 * i + 1) throw new Error(`round ${i}: saw ${Atomics.load(word, 0)}`);
      Atomics.store(word, 0, 2 * i + 2);
      wake(word, 0, 1, 16);
    }
  }
  return n;
}

const coreFutexPingPong: Contender = {
  name: '@conc/core waitSync/wake',
  role: 'ours',
  async run(quick) {
    const n = quick ? 2_000 : 20_000;
    const buffer = new SharedArrayBuffer(128);
    const core = moduleUrl('@conc/core/internal');
    const { ms, results } = await runGated([
      [corePingPong, { core, buffer, n, side: 0 }],
      [corePingPong, { core, buffer, n, side: 1 }],
    ]);
    const final = Atomics.load(new Int32Array(buffer), 0);
    if (final !== 2 * n || results.some((r) => r !== n)) throw new Error(`word ${final}, expected ${2 * n}`);
    return (ms * 1000) / n;
  },
};

async function coreAnswer(context: WorkerContext<Omit<PingData, 'side'>>): Promise<number> {
  const { waitSync, wake } = (await context.load(context.data.core)) as typeof import('@conc/core/internal');
  const word = new Int32Array(context.data.buffer);
  const n = context.data.n;
  context.ready();
  for (let i = 0; i < n; i++) {
    while (Atomics.load(word, 0) === 2 * i) waitSync(word, 0, 2 * i, Infinity, 16);
    if (Atomics.load(word, 0) !== 2 * i + 1) throw new Error(`round ${i}: saw ${Atomics.load(word, 0)}`);
    Atomics.store(word, 0, 2 * i + 2);
    wake(word, 0, 1, 16);
  }
  return n;
}

const coreWaitAsyncRoundTrip: Contender = {
  name: '@conc/core waitAsync',
  role: 'ours',
  async run(quick) {
    const n = quick ? 1_000 : 10_000;
    const buffer = new SharedArrayBuffer(128);
    const word = new Int32Array(buffer);
    const gate = createGate();
    const worker = spawn(coreAnswer, { core: moduleUrl('@conc/core/internal'), buffer, n }, { gate });
    try {
      await worker.ready;
      openGate(gate);
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        Atomics.store(word, 0, 2 * i + 1);
        wake(word, 0, 1, 16);
        while (Atomics.load(word, 0) === 2 * i + 1) await waitAsync(word, 0, 2 * i + 1, Infinity, undefined, 16);
      }
      const ms = performance.now() - start;
      if ((await worker.result) !== n || Atomics.load(word, 0) !== 2 * n) throw new Error(`word ${Atomics.load(word, 0)}, expected ${2 * n}`);
      return (ms * 1000) / n;
    } finally {
      await worker.worker.terminate();
    }
  },
};

interface Sample {
  id: number;
  name: string;
  tags: string[];
  value: number;
}

/** A codec contender: encodes and decodes `n` values, checking every decoded one. */
function codecContender<T>(
  name: string,
  role: Contender['role'],
  make: (i: number) => T,
  check: (value: T, i: number) => boolean,
  roundTrip: (value: T) => T,
  n: number,
): Contender {
  return {
    name,
    role,
    async run(quick) {
      const count = quick ? n / 10 : n;
      const start = performance.now();
      let bad = 0;
      for (let i = 0; i < count; i++) if (!check(roundTrip(make(i)), i)) bad++;
      const ns = ((performance.now() - start) * 1e6) / count;
      if (bad !== 0) throw new Error(`${bad} of ${count} values came back wrong`);
      return ns;
    },
  };
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function codecWorkload<T>(id: string, title: string, make: (i: number) => T, check: (value: T, i: number) => boolean, n: number): Workload {
  return {
    id,
    title,
    unit: 'ns/op',
    better: 'lower',
    contenders: [
      codecContender('@conc/core encode+decode', 'ours', make, check, (v) => decode(encode(v)) as T, n),
      codecContender('v8.serialize+deserialize', 'floor', make, check, (v) => deserialize(serialize(v)) as T, n),
      codecContender(
        'JSON + TextEncoder',
        'peer',
        make,
        check,
        (v) => JSON.parse(textDecoder.decode(textEncoder.encode(JSON.stringify(v)))) as T,
        n,
      ),
    ],
  };
}

export const workloads: Workload[] = [
  {
    id: 'core/futex-ping-pong',
    title: 'wake-up round trip between two worker threads',
    unit: 'µs',
    better: 'lower',
    contenders: [coreFutexPingPong, atomicsPingPong(), postMessageRoundTrip({ name: 'raw Worker postMessage (main <-> worker)' }), cpythonEventPingPong()],
    targets: [{ against: 'raw Atomics.wait/notify', ratio: 1.25, note: "the bench's own: the futex wrapper costs next to nothing" }],
  },
  {
    id: 'core/wait-async-round-trip',
    title: 'main thread awaits, a worker answers from a blocking wait',
    unit: 'µs',
    better: 'lower',
    contenders: [coreWaitAsyncRoundTrip, atomicsWaitAsyncRoundTrip(), postMessageRoundTrip()],
    targets: [{ against: 'raw Atomics.waitAsync', ratio: 1.5, note: "the bench's own: keep-alive and waiter count stay cheap" }],
  },
  codecWorkload<Sample>(
    'core/codec-small-object',
    'encode then decode a small object',
    (i) => ({ id: i, name: 'item', tags: ['a', 'b'], value: i * 0.5 }),
    (v, i) => v.id === i && v.value === i * 0.5 && v.tags.length === 2,
    50_000,
  ),
  codecWorkload<number>('core/codec-number', 'encode then decode a number (the tagged fast path)', (i) => i * 3 + 0.25, (v, i) => v === i * 3 + 0.25, 200_000),
  codecWorkload<string>(
    'core/codec-string',
    'encode then decode a 64-character string',
    (i) => String(i).padStart(64, '-'),
    (v, i) => v.length === 64 && Number(v.replace(/^-+/, '')) === i,
    100_000,
  ),
];
