import { describe, expect, it } from 'vitest';
import { Queue } from '@conc/queue';
import { sleep, start, until } from './threads.js';

describe('faults', () => {
  it('a consumer terminated while blocked in get leaves the queue usable', async () => {
    const q = new Queue<number>();
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const victims = [0, 1].map(() => start(({ q, ready }: { q: Queue<number>; ready: Int32Array }) => {
      Atomics.add(ready, 0, 1);
      return q.getSync();
    }, { q, ready }));
    for (const v of victims) v.result.catch(() => undefined);
    await until(() => Atomics.load(ready, 0) === 2);
    await sleep(100);
    await Promise.all(victims.map((v) => v.worker.terminate()));
    // Items put now go to the living, in another thread and here.
    const survivor = start(({ q }: { q: Queue<number> }) => q.getSync(30_000) + q.getSync(30_000), { q });
    q.putNowait(20);
    q.putNowait(22);
    expect(await survivor.result).toBe(42);
    q.putNowait(1);
    expect(await q.get(1000)).toBe(1);
    expect(q.qsize()).toBe(0);
  });

  it('a producer terminated while blocked in put leaves no half item', async () => {
    const q = new Queue<Uint8Array>(2);
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const producer = start(({ q, ready }: { q: Queue<Uint8Array>; ready: Int32Array }) => {
      for (let i = 0; ; i++) {
        Atomics.store(ready, 0, i + 1);
        q.putSync(new Uint8Array(1 << 20).fill(i + 1));
      }
    }, { q, ready });
    producer.result.catch(() => undefined);
    await until(() => Atomics.load(ready, 0) === 3);
    await sleep(100);
    await producer.worker.terminate();
    expect(q.qsize()).toBe(2);
    for (const fill of [1, 2]) {
      const item = q.getNowait();
      expect(item.length).toBe(1 << 20);
      expect(item.every((b) => b === fill)).toBe(true);
    }
    expect(q.empty()).toBe(true);
    await q.put(new Uint8Array([7]));
    expect([...(await q.get())]).toEqual([7]);
  });
});

describe('the tutorial programs', () => {
  it('the bones: a daemon worker, 30 items, q.join()', async () => {
    const q = new Queue<number>();
    const done = new Int32Array(new SharedArrayBuffer(4 * 30));
    const worker = start(({ q, done }: { q: Queue<number>; done: Int32Array }) => {
      for (;;) {
        const item = q.getSync();
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // working on it
        Atomics.add(done, item, 1);
        q.taskDone();
      }
    }, { q, done });
    worker.result.catch(() => undefined);
    for (let item = 0; item < 30; item++) await q.put(item);
    expect(await q.join()).toBe(true);
    expect([...done]).toEqual(Array.from({ length: 30 }, () => 1));
    await worker.worker.terminate(); // a daemon thread ends with the program
  });

  it('baozi: a producer and a consumer with random sleeps over a bounded queue', async () => {
    const q = new Queue<string>(3);
    const producer = start(({ q }: { q: Queue<string> }) => {
      const nap = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      for (let i = 1; i <= 20; i++) {
        nap(Math.random() * 5);
        q.putSync(`baozi ${i}`);
      }
      q.putSync('done');
    }, { q });
    const consumer = start(({ q }: { q: Queue<string> }) => {
      const nap = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      const eaten: string[] = [];
      let most = 0;
      for (;;) {
        most = Math.max(most, q.qsize());
        const baozi = q.getSync();
        if (baozi === 'done') break;
        eaten.push(baozi);
        nap(Math.random() * 8);
      }
      return { eaten, most };
    }, { q });
    await producer.result;
    const { eaten, most } = await consumer.result;
    expect(eaten).toEqual(Array.from({ length: 20 }, (_, i) => `baozi ${i + 1}`));
    expect(most).toBeLessThanOrEqual(3);
  });
});
