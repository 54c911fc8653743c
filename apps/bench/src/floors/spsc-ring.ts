/**
 * The shared-memory queue floor: a raw single-producer/single-consumer ring of 64-byte records
 * in a SharedArrayBuffer between two workers, with monotonic head/tail counters on their own
 * cache lines and a futex wait only when the ring is empty or full (after a short spin).
 */
import { runGated, type WorkerContext } from '../worker.js';
import type { Contender } from '../workload.js';

/** Options of the ring floor. */
export interface RingOptions {
  name?: string;
  /** Records in a full run (a quick run does a tenth). */
  records?: number;
  /** Ring capacity in records. */
  slots?: number;
}

interface RingData {
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
  n: number;
  slots: number;
}

// Control words, 64 bytes apart: HEAD 0 (records consumed), TAIL 16 (records produced),
// CONSUMER_WAITING 32, PRODUCER_WAITING 48. A record is 16 int32: [i, i+1, ..., i+14, i ^ MIX].
function producer(context: WorkerContext<RingData>): number {
  const control = new Int32Array(context.data.control);
  const data = new Int32Array(context.data.data);
  const { n, slots } = context.data;
  context.ready();
  let tail = 0;
  let head = 0;
  for (let i = 0; i < n; i++) {
    if (tail - head === slots) {
      let spins = 0;
      head = Atomics.load(control, 0);
      while (tail - head === slots) {
        if (spins++ > 100) {
          Atomics.store(control, 48, 1);
          head = Atomics.load(control, 0);
          if (tail - head === slots) Atomics.wait(control, 0, head);
          Atomics.store(control, 48, 0);
        }
        head = Atomics.load(control, 0);
      }
    }
    const base = (tail % slots) * 16;
    for (let w = 0; w < 15; w++) data[base + w] = i + w;
    data[base + 15] = i ^ 0x5bd1e995;
    tail++;
    Atomics.store(control, 16, tail);
    if (Atomics.load(control, 32) !== 0) Atomics.notify(control, 16, 1);
  }
  return tail;
}

function consumer(context: WorkerContext<RingData>): { count: number; sum: number; bad: number } {
  const control = new Int32Array(context.data.control);
  const data = new Int32Array(context.data.data);
  const { n, slots } = context.data;
  const record = new Int32Array(16);
  let head = 0;
  let sum = 0;
  let bad = 0;
  context.ready();
  while (head < n) {
    let tail = Atomics.load(control, 16);
    let spins = 0;
    while (tail === head) {
      if (spins++ > 100) {
        Atomics.store(control, 32, 1);
        tail = Atomics.load(control, 16);
        if (tail === head) Atomics.wait(control, 16, head);
        Atomics.store(control, 32, 0);
      }
      tail = Atomics.load(control, 16);
    }
    for (; head < tail; head++) {
      const base = (head % slots) * 16;
      // Copy the record out, as a receiver would, then check it.
      for (let w = 0; w < 16; w++) record[w] = data[base + w]!;
      if (record[0] !== head || record[14] !== head + 14 || record[15] !== (head ^ 0x5bd1e995)) bad++;
      sum += record[0]!;
    }
    Atomics.store(control, 0, head);
    if (Atomics.load(control, 48) !== 0) Atomics.notify(control, 0, 1);
  }
  return { count: head, sum, bad };
}

/** Items per second through the raw ring, one producer worker to one consumer worker. */
export function spscRing(options: RingOptions = {}): Contender {
  const { name = 'raw SPSC SAB ring', records = 1_000_000, slots = 1024 } = options;
  return {
    name,
    role: 'floor',
    async run(quick) {
      const n = quick ? Math.ceil(records / 10) : records;
      const ring: RingData = { control: new SharedArrayBuffer(256), data: new SharedArrayBuffer(slots * 64), n, slots };
      const { ms, results } = await runGated<unknown>([
        [producer, ring],
        [consumer, ring],
      ]);
      const produced = results[0] as number;
      const received = results[1] as { count: number; sum: number; bad: number };
      const sum = (n * (n - 1)) / 2;
      if (produced !== n || received.count !== n || received.sum !== sum || received.bad !== 0) {
        throw new Error(`produced ${produced}, received ${received.count} of ${n}, sum ${received.sum} of ${sum}, ${received.bad} bad records`);
      }
      return n / (ms / 1000);
    },
  };
}
