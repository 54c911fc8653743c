/**
 * @conc/queue against MessageChannel, CPython's queue.Queue and multiprocessing.Queue, and the
 * raw single-producer SAB ring: small-item throughput from one thread to another; and Pipe
 * ping-pong against CPython's multiprocessing.Pipe and the raw Atomics ping-pong.
 */
import { prepare } from '@conc/core/internal';
import { Pipe, Queue } from '@conc/queue';
import { atomicsPingPong, messageChannelThroughput, spscRing } from '../floors/index.js';
import { pythonContender } from '../python.js';
import { moduleUrl, runGated, type WorkerContext } from '../worker.js';
import type { Contender, Workload } from '../workload.js';

const ITEMS = 300_000;
const TRIPS = 20_000;

interface QueueData {
  core: string;
  queue: string;
  shared: unknown;
  n: number;
  item: 'string64' | 'object';
}

// The producer puts n items (64-character strings or small objects naming their index); the
// consumer checks each one and sums the indexes.
async function queueWorker(context: WorkerContext<QueueData & { side: number }>): Promise<{ count: number; sum: number; bad: number }> {
  const { reviveSync } = (await context.load(context.data.core)) as typeof import('@conc/core/internal');
  await context.load(context.data.queue);
  const { q } = reviveSync(context.data.shared) as { q: Queue<unknown> };
  const { n, item, side } = context.data;
  const pad = 'x'.repeat(54);
  context.ready();
  let sum = 0;
  let bad = 0;
  if (side === 0) {
    for (let i = 0; i < n; i++) q.putSync(item === 'string64' ? String(i).padStart(10, '0') + pad : { i, name: 'item', value: i * 0.5 });
    return { count: n, sum, bad };
  }
  for (let k = 0; k < n; k++) {
    const got = q.getSync();
    let i: number;
    if (item === 'string64') {
      const s = got as string;
      i = Number(s.slice(0, 10));
      if (s.length !== 64) bad++;
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

function queueThroughput(item: QueueData['item'], maxsize: number): Contender {
  return {
    name: `@conc Queue(${maxsize}) putSync/getSync`,
    role: 'ours',
    async run(quick) {
      const n = quick ? ITEMS / 10 : ITEMS;
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

function pythonQueue(item: QueueData['item'], maxsize: number): Contender {
  const make = item === 'string64' ? "str(i).zfill(10) + 'x' * 54" : "{'i': i, 'name': 'item', 'value': i * 0.5}";
  const check = item === 'string64' ? 'x = int(s[:10]); assert len(s) == 64' : "x = s['i']; assert s['value'] == x * 0.5";
  return pythonContender(`CPython queue.Queue(${maxsize}), threads`, (quick) => `
import queue, threading, time
n = ${quick ? ITEMS / 10 : ITEMS}
q = queue.Queue(${maxsize})
def produce():
    put = q.put
    for i in range(n):
        put(${make})
result = [0, 0]
def consume():
    get = q.get
    total = 0
    for k in range(n):
        s = get()
        ${check}
        assert x == k
        total += x
    result[0] = n; result[1] = total
threads = [threading.Thread(target=produce), threading.Thread(target=consume)]
start = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.perf_counter() - start
assert result == [n, n * (n - 1) // 2], result
print(n / elapsed)
`);
}

function pythonMultiprocessingQueue(item: QueueData['item']): Contender {
  const make = item === 'string64' ? "str(i).zfill(10) + 'x' * 54" : "{'i': i, 'name': 'item', 'value': i * 0.5}";
  const check = item === 'string64' ? 'x = int(s[:10])' : "x = s['i']";
  return pythonContender('CPython multiprocessing.Queue, processes', (quick) => `
import multiprocessing as mp, time
def produce(q, n):
    for i in range(n):
        q.put(${make})
if __name__ == '__main__':
    n = ${quick ? ITEMS / 30 : ITEMS / 3}
    q = mp.Queue(1000)
    p = mp.Process(target=produce, args=(q, n))
    start = time.perf_counter()
    p.start()
    total = 0
    for k in range(n):
        s = q.get()
        ${check}
        assert x == k
        total += x
    elapsed = time.perf_counter() - start
    p.join()
    assert total == n * (n - 1) // 2
    print(n / elapsed)
`);
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

const pythonPipe = pythonContender('CPython multiprocessing.Pipe, 2 processes', (quick) => `
import multiprocessing as mp, time
def answer(conn, n):
    for _ in range(n):
        conn.send(conn.recv() + 1)
if __name__ == '__main__':
    n = ${quick ? TRIPS / 10 : TRIPS}
    a, b = mp.Pipe()
    p = mp.Process(target=answer, args=(b, n))
    p.start()
    a.send(-1); assert a.recv() == 0  # the child is up
    start = time.perf_counter()
    for i in range(n - 1):
        a.send(i)
        assert a.recv() == i + 1
    elapsed = time.perf_counter() - start
    p.join()
    print(elapsed / (n - 1) * 1e6)
`);

export const workloads: Workload[] = [
  {
    id: 'queue/throughput-string64',
    title: 'Queue throughput: 64-character strings from one thread to another',
    unit: 'items/s',
    better: 'higher',
    contenders: [
      queueThroughput('string64', 1024),
      messageChannelThroughput({ name: 'MessageChannel between 2 workers', item: 'string64', messages: ITEMS }),
      spscRing({ name: 'raw SPSC SAB ring (64-byte records)', records: ITEMS * 3 }),
      pythonQueue('string64', 1024),
      pythonMultiprocessingQueue('string64'),
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
      pythonQueue('object', 1024),
      pythonMultiprocessingQueue('object'),
    ],
  },
  {
    id: 'queue/pipe-ping-pong',
    title: 'Pipe ping-pong: send a number, receive it plus one (round trip)',
    unit: 'µs',
    better: 'lower',
    contenders: [pipePingPong(), pythonPipe, atomicsPingPong({ name: 'raw Atomics wait/notify ping-pong' })],
  },
];
