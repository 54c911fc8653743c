/**
 * @conc/queue against MessageChannel, CPython's queue.Queue and multiprocessing.Queue, and the
 * raw single-producer SAB ring: small-item throughput from one thread to another; and Pipe
 * ping-pong against CPython's multiprocessing.Pipe and the raw Atomics ping-pong.
 */
import { prepare } from '@conc/core/internal';
import { Pipe, Queue } from '@conc/queue';
import { atomicsPingPong, messageChannelThroughput, spscRing } from '../floors/index.js';
import { cpythonPipePingPong, cpythonProcessQueue, cpythonQueue } from '../peers/index.js';
import { moduleUrl, runGated, type WorkerContext } from '../worker.js';
import type { Contender, Workload } from '../workload.js';

const ITEMS = 300_000;
/**
 * Items of the 64-byte stream, the same for every thread-to-thread contender: long enough that
 * the figure is the sustained rate, not the first ~10k items V8 runs before it optimises.
 */
const STREAM_ITEMS = 1_000_000;
const TRIPS = 20_000;

interface QueueData {
  core: string;
  queue: string;
  shared: unknown;
  n: number;
  item: 'bytes64' | 'object';
}

// The producer puts n items (64-character strings or small objects naming their index); the
// consumer checks each one and sums the indexes.
async function queueWorker(context: WorkerContext<QueueData & { side: number }>): Promise<{ count: number; sum: number; bad: number }> {
  const { reviveSync } = (await context.load(context.data.core)) as typeof import('@conc/core/internal');
  await context.load(context.data.queue);
  const { q } = reviveSync(context.data.shared) as { q: Queue<unknown> };
  const { n, item, side } = context.data;
  const record = new Uint8Array(64);
  const view = new DataView(record.buffer);
  context.ready();
  let sum = 0;
  let bad = 0;
  if (side === 0) {
    for (let i = 0; i < n; i++) {
      if (item === 'bytes64') {
        view.setUint32(0, i, true);
        view.setUint32(60, i ^ 0x5bd1e995, true);
        q.putSync(record);
      } else q.putSync({ i, name: 'item', value: i * 0.5 });
    }
    return { count: n, sum, bad };
  }
  for (let k = 0; k < n; k++) {
    const got = q.getSync();
    let i: number;
    if (item === 'bytes64') {
      // Read byte by byte, not through `new DataView(b.buffer)`: V8 keeps a typed array of up to
      // 64 bytes inside its own heap, and asking for its `buffer` moves it out (measured ~370 ns
      // for a get's result, ~170 ns for a structured clone's, against ~140 ns for the whole get),
      // which measured V8 rather than the queue. The MessageChannel floor checks the same way.
      const b = got as Uint8Array;
      i = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
      const check = (b[60]! | (b[61]! << 8) | (b[62]! << 16) | (b[63]! << 24)) >>> 0;
      if (b.length !== 64 || check !== (i ^ 0x5bd1e995) >>> 0) bad++;
    } else {
      const o = got as { i: number; value: number };
      i = o.i;
      if (o.value !== i * 0.5) bad++;
    }
    if (i !== k) bad++;
    sum += i;
  }
  return { count: n, sum, bad };
}

function queueThroughput(item: QueueData['item'], maxsize: number, items = ITEMS): Contender {
  return {
    name: `@conc Queue(${maxsize}) putSync/getSync`,
    role: 'ours',
    async run(quick) {
      const n = quick ? items / 10 : items;
      const q = new Queue<unknown>(maxsize);
      const data: QueueData = { core: moduleUrl('@conc/core/internal'), queue: moduleUrl('@conc/queue'), shared: prepare({ q }).value, n, item };
      const { ms, results } = await runGated<{ count: number; sum: number; bad: number }>([
        [queueWorker, { ...data, side: 0 }],
        [queueWorker, { ...data, side: 1 }],
      ]);
      const received = results[1]!;
      if (received.count !== n || received.sum !== (n * (n - 1)) / 2 || received.bad !== 0 || !q.empty()) {
        throw new Error(`received ${received.count} of ${n}, sum ${received.sum}, ${received.bad} bad, ${q.qsize()} left`);
      }
      return n / (ms / 1000);
    },
  };
}

interface PipeData {
  core: string;
  queue: string;
  shared: unknown;
  n: number;
  side: number;
}

// Side 0 sends i and waits for i + 1; side 1 answers each message with the next number.
async function pipeWorker(context: WorkerContext<PipeData>): Promise<number> {
  const { reviveSync } = (await context.load(context.data.core)) as typeof import('@conc/core/internal');
  await context.load(context.data.queue);
  const { ends } = reviveSync(context.data.shared) as { ends: [import('@conc/queue').Connection<number>, import('@conc/queue').Connection<number>] };
  const { n, side } = context.data;
  const conn = ends[side]!;
  context.ready();
  let last = 0;
  for (let i = 0; i < n; i++) {
    if (side === 0) {
      conn.send(i);
      last = conn.recvSync();
      if (last !== i + 1) throw new Error(`sent ${i}, got back ${last}`);
    } else {
      conn.send(conn.recvSync() + 1);
    }
  }
  return last;
}

function pipePingPong(): Contender {
  return {
    name: '@conc Pipe send/recvSync, 2 threads',
    role: 'ours',
    async run(quick) {
      const n = quick ? TRIPS / 10 : TRIPS;
      const ends = Pipe<number>();
      const base = { core: moduleUrl('@conc/core/internal'), queue: moduleUrl('@conc/queue'), shared: prepare({ ends }).value, n };
      const { ms, results } = await runGated<number>([
        [pipeWorker, { ...base, side: 0 }],
        [pipeWorker, { ...base, side: 1 }],
      ]);
      if (results[0] !== n) throw new Error(`last answer ${results[0]} of ${n}`);
      return (ms * 1000) / n;
    },
  };
}

export const workloads: Workload[] = [
  {
    id: 'queue/throughput-bytes64',
    title: 'Queue throughput: 64-byte records from one thread to another',
    unit: 'items/s',
    better: 'higher',
    contenders: [
      queueThroughput('bytes64', 1024, STREAM_ITEMS),
      messageChannelThroughput({ name: 'MessageChannel between 2 workers', item: 'bytes64', messages: STREAM_ITEMS }),
      // Three times as many records: at ~14M/s a run of 1M would be too short to time well.
      spscRing({ name: 'raw SPSC SAB ring (64-byte records)', records: STREAM_ITEMS * 3 }),
      cpythonQueue({ items: STREAM_ITEMS, item: 'bytes64', maxsize: 1024 }),
      // Left at 100k: at ~0.2M/s a million would add ~25 s to the run.
      cpythonProcessQueue({ items: ITEMS / 3, item: 'bytes64' }),
    ],
    targets: [
      { against: 'MessageChannel', ratio: 1.7, note: 'issue 5: at least 1.7x MessageChannel' },
      { against: 'queue.Queue', ratio: 5, note: "issue 5: at least 5x CPython's queue.Queue" },
      { against: 'raw SPSC', ratio: 0.5, note: 'issue 5: within 2x of the raw ring' },
    ],
  },
  {
    id: 'queue/throughput-object',
    title: 'Queue throughput: small objects { i, name, value } from one thread to another',
    unit: 'items/s',
    better: 'higher',
    contenders: [
      queueThroughput('object', 1024),
      messageChannelThroughput({ name: 'MessageChannel between 2 workers', item: 'object', messages: ITEMS }),
      cpythonQueue({ items: ITEMS, item: 'dict', maxsize: 1024 }),
      cpythonProcessQueue({ items: ITEMS / 3, item: 'dict' }),
    ],
  },
  {
    id: 'queue/pipe-ping-pong',
    title: 'Pipe ping-pong: send a number, receive it plus one (round trip)',
    unit: 'µs',
    better: 'lower',
    contenders: [pipePingPong(), cpythonPipePingPong(TRIPS), atomicsPingPong({ name: 'raw Atomics wait/notify ping-pong' })],
  },
];
