import { describe, expect, it } from 'vitest';
import { PriorityQueue, Queue } from '@conc/queue';
import { inThreads } from './threads.js';

const PRODUCERS = 4;
const CONSUMERS = 4;
const PER_PRODUCER = 50_000;
const TOTAL = PRODUCERS * PER_PRODUCER;

interface Args {
  q: Queue<unknown>;
  seen: Uint8Array;
  priority: boolean;
  perProducer: number;
}

/**
 * 4 producer and 4 consumer threads move 200k items through one bounded queue. Consumers 0-1
 * wait forever, consumer 2 uses short timeouts, consumer 3 gets with signals that abort midway.
 * Every item must arrive exactly once (a shared tally per item) and, for a FIFO queue, each
 * consumer sees each producer's items in increasing order.
 */
async function stress(q: Queue<unknown>, priority: boolean): Promise<void> {
  const seen = new Uint8Array(new SharedArrayBuffer(TOTAL));
  const args: Args = { q, seen, priority, perProducer: PER_PRODUCER };
  const consumers = inThreads(CONSUMERS, async ({ q, seen, priority, perProducer }: Args, index: number) => {
    const last = [-1, -1, -1, -1];
    let received = 0;
    let timeouts = 0;
    let aborts = 0;
    for (;;) {
      let item: unknown;
      if (index === 2) {
        try {
          item = q.getSync(1);
        } catch (e) {
          if ((e as Error).name !== 'EmptyError') throw e;
          timeouts++;
          continue;
        }
      } else if (index === 3) {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(new Error('midway')), Math.random() < 0.5 ? 0 : 1);
        try {
          item = await q.get({ signal: controller.signal });
        } catch (e) {
          if ((e as Error).message !== 'midway') throw e;
          aborts++;
          continue;
        } finally {
          clearTimeout(timer);
        }
      } else {
        item = q.getSync();
      }
      const id = priority ? (item as [number, number])[1] : (item as number);
      if (id < 0) break;
      Atomics.add(seen, id, 1);
      received++;
      const producer = Math.floor(id / perProducer);
      if (!priority && id <= last[producer]!) throw new Error(`item ${id} after ${last[producer]} from producer ${producer}`);
      last[producer] = id;
    }
    return { received, timeouts, aborts };
  }, args);
  await inThreads(PRODUCERS, ({ q, priority, perProducer }: Args, index: number) => {
    for (let i = 0; i < perProducer; i++) {
      const id = index * perProducer + i;
      q.putSync(priority ? [id % 7, id] : id);
    }
  }, args);
  for (let i = 0; i < CONSUMERS; i++) await q.put(priority ? [99, -1] : -1);
  const results = await consumers;
  expect(results.reduce((sum, r) => sum + r.received, 0)).toBe(TOTAL);
  let wrong = 0;
  for (let id = 0; id < TOTAL; id++) if (seen[id] !== 1) wrong++;
  expect(wrong).toBe(0);
  expect(q.qsize()).toBe(0);
  // The consumers with timeouts and aborts took part.
  expect(results[2]!.received + results[3]!.received).toBeGreaterThan(0);
  expect(results[2]!.timeouts + results[3]!.aborts).toBeGreaterThan(0);
}

describe('stress: 4 producers, 4 consumers, 200k items', () => {
  it('Queue: every item exactly once, in order per producer, through timeouts and aborts', async () => {
    await stress(new Queue<unknown>(1000), false);
  });

  it('PriorityQueue: every item exactly once under the same load', async () => {
    await stress(new PriorityQueue<unknown>(1000), true);
  });
});
