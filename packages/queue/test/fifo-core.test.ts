import { describe, expect, it } from 'vitest';
import { Queue, ShutDownError, SimpleQueue } from '@conc/queue';
import { inThreads, sleep, start, until } from './threads.js';

// The two-lock FIFO engine (src/fifo-core.ts) under load, with exact tallies: every item is
// received exactly once, in order per producer.

interface Args {
  q: Queue<unknown>;
  seen: Uint8Array;
  perProducer: number;
  /** 0: numbers; else byte items of 1..bytes long (forces wrap-around and growth). */
  bytes: number;
  /** Consumers: 0 waits forever, 1 short timeouts, 2 aborted async gets, 3 nowait polling. */
  styles: number[];
  /** Producers retry puts that time out (a bounded queue with tiny timeouts). */
  putTimeout: number;
}

/** Runs `producers` and `consumers` threads through `q`; checks every item arrived exactly once. */
async function transfer(q: Queue<unknown>, producers: number, consumers: number, perProducer: number, options: Partial<Args> = {}): Promise<{ timeouts: number; aborts: number; fulls: number }> {
  const total = producers * perProducer;
  const seen = new Uint8Array(new SharedArrayBuffer(total));
  const args: Args = { q, seen, perProducer, bytes: 0, styles: [0], putTimeout: -1, ...options };
  const taking = inThreads(consumers, async ({ q, seen, perProducer, bytes, styles }: Args, index: number) => {
    const style = styles[index % styles.length]!;
    const last: number[] = [];
    let timeouts = 0;
    let aborts = 0;
    for (;;) {
      let item: unknown;
      try {
        if (style === 1) item = q.getSync(Math.random() < 0.5 ? 0 : 1);
        else if (style === 3) item = q.getNowait();
        else if (style === 2) {
          const controller = new AbortController();
          const timer = setTimeout(() => controller.abort(new Error('midway')), Math.random() < 0.5 ? 0 : 1);
          try {
            item = await q.get({ signal: controller.signal });
          } finally {
            clearTimeout(timer);
          }
        } else item = q.getSync();
      } catch (e) {
        if ((e as Error).name === 'EmptyError') timeouts++;
        else if ((e as Error).message === 'midway') aborts++;
        else throw e;
        continue;
      }
      let id: number;
      if (bytes) {
        const b = item as Uint8Array;
        id = b.length >= 4 ? new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true) : -1;
        if (b.length === 1 && b[0] === 255) break;
        const want = 4 + ((id * 7919) % bytes);
        if (b.length !== want || b[b.length - 1] !== (id & 255)) throw new Error(`item ${id}: ${b.length} bytes, last ${b[b.length - 1]}`);
      } else id = item as number;
      if (id < 0) break;
      Atomics.add(seen, id, 1);
      const producer = Math.floor(id / perProducer);
      if (id <= (last[producer] ?? -1)) throw new Error(`item ${id} after ${last[producer]} from producer ${producer}`);
      last[producer] = id;
    }
    return { timeouts, aborts };
  }, args);
  const fulls = await inThreads(producers, ({ q, perProducer, bytes, putTimeout }: Args, index: number) => {
    let fulls = 0;
    for (let i = 0; i < perProducer; i++) {
      const id = index * perProducer + i;
      let item: unknown = id;
      if (bytes) {
        const b = new Uint8Array(4 + ((id * 7919) % bytes));
        new DataView(b.buffer).setInt32(0, id, true);
        b[b.length - 1] = id & 255;
        item = b;
      }
      for (;;) {
        try {
          if (putTimeout < 0) q.putSync(item);
          else q.putSync(item, putTimeout);
          break;
        } catch (e) {
          if ((e as Error).name !== 'FullError') throw e;
          fulls++;
        }
      }
    }
    return fulls;
  }, args);
  for (let i = 0; i < consumers; i++) await q.put(args.bytes ? new Uint8Array([255]) : -1);
  const results = await taking;
  let wrong = 0;
  for (let id = 0; id < total; id++) if (seen[id] !== 1) wrong++;
  expect(wrong).toBe(0);
  expect(q.qsize()).toBe(0);
  return {
    timeouts: results.reduce((n, r) => n + r.timeouts, 0),
    aborts: results.reduce((n, r) => n + r.aborts, 0),
    fulls: fulls.reduce((n, f) => n + f, 0),
  };
}

describe('FifoCore: exact counts under load', () => {
  it('1 producer → 1 consumer, 100k items', async () => {
    await transfer(new Queue(1024), 1, 1, 100_000);
  });

  it('4 producers → 4 consumers, 100k items', async () => {
    await transfer(new Queue(64), 4, 4, 25_000);
  });

  it('4 producers → 1 consumer, 100k items, unbounded', async () => {
    await transfer(new Queue(), 4, 1, 25_000);
  });

  it('maxsize 1 and 2: full and empty at every item', async () => {
    await transfer(new Queue(1), 2, 2, 5_000);
    await transfer(new Queue(2), 1, 1, 10_000);
  });

  it('items of many sizes wrap around a bounded ring', async () => {
    // Up to 6 KB each, at most 3 at once: the 16 KB ring wraps often.
    await transfer(new Queue(3), 2, 2, 3_000, { bytes: 6000 });
  });

  it('an unbounded queue grows its ring while items of many sizes cross it', async () => {
    const q = new Queue();
    const first = (q as unknown as { _core: { arena: { bytes: Uint8Array } } })._core.arena.bytes.length;
    await transfer(q, 2, 1, 2_000, { bytes: 40_000 });
    const last = (q as unknown as { _core: { arena: { bytes: Uint8Array } } })._core.arena.bytes.length;
    expect(last).toBeGreaterThan(first);
    // Powers of two: an offset is a position masked.
    expect(Math.log2(last) % 1).toBe(0);
  });

  it('timeouts, nowait polling and aborts mixed in lose and duplicate nothing', async () => {
    const { timeouts, aborts, fulls } = await transfer(new Queue(2), 3, 4, 4_000, { styles: [0, 1, 2, 3], putTimeout: 0.5 });
    expect(timeouts + aborts + fulls).toBeGreaterThan(0);
  });

  it('SimpleQueue: 2 producer threads → 1 consumer thread, exact sum', async () => {
    const q = new SimpleQueue<number>();
    const taker = start(({ q }: { q: SimpleQueue<number> }) => {
      let sum = 0;
      for (let i = 0; i < 40_000; i++) sum += q.getSync();
      return sum;
    }, { q });
    await inThreads(2, ({ q }: { q: SimpleQueue<number> }, index: number) => {
      for (let i = 0; i < 20_000; i++) q.putNowait(index * 20_000 + i);
    }, { q });
    expect(await taker.result).toBe((40_000 * 39_999) / 2);
    expect(q.empty()).toBe(true);
  });
});

describe('FifoCore: edges', () => {
  it('counters and byte positions wrap at 2^32 (and counts at 2^31) without losing an item', async () => {
    for (const start32 of [0xffffff00, 0x7fffff00]) {
      const q = new Queue<Uint8Array>(8);
      const core = (q as unknown as { _core: { control: Uint32Array } })._core;
      // An empty queue whose counters and positions are just short of the wrap.
      core.control[16] = core.control[32] = start32; // Puts, Gets
      core.control[17] = core.control[33] = 0xffffff00 + 4; // TailPos, HeadPos
      const got = start(({ q }: { q: Queue<Uint8Array> }) => {
        let sum = 0;
        for (let i = 0; i < 2000; i++) {
          const b = q.getSync();
          if (b.length !== 1 + (i % 300) || b[0] !== (i & 255)) throw new Error(`item ${i}: ${b.length} bytes, first ${b[0]}`);
          sum += i;
        }
        return sum;
      }, { q });
      for (let i = 0; i < 2000; i++) q.putSync(new Uint8Array(1 + (i % 300)).fill(i & 255));
      expect(await got.result).toBe((2000 * 1999) / 2);
      expect(q.qsize()).toBe(0);
      q.putNowait(new Uint8Array([9]));
      expect(q.qsize()).toBe(1);
      expect([...q.getNowait()]).toEqual([9]);
    }
  });

  it('an async put larger than the ring waits for room, then grows the ring', async () => {
    const q = new Queue<Uint8Array>(1);
    q.putNowait(new Uint8Array(10));
    const big = new Uint8Array(100_000).fill(7);
    const putting = q.put(big);
    await sleep(20);
    expect(q.qsize()).toBe(1);
    const taker = start(({ q }: { q: Queue<Uint8Array> }) => [q.getSync().length, q.getSync(30_000).length], { q });
    await putting;
    expect(await taker.result).toEqual([10, 100_000]);
  });

  it('shutdown wakes producers blocked on a full queue and consumers blocked on an empty one', async () => {
    const full = new Queue<number>(1);
    full.putNowait(0);
    const empty = new Queue<number>(1);
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const blocked = [
      ...[0, 1].map(() => start(({ q, ready }: { q: Queue<number>; ready: Int32Array }) => {
        Atomics.add(ready, 0, 1);
        try {
          q.putSync(1);
          return 'put';
        } catch (e) {
          return (e as Error).name;
        }
      }, { q: full, ready })),
      ...[0, 1].map(() => start(({ q, ready }: { q: Queue<number>; ready: Int32Array }) => {
        Atomics.add(ready, 0, 1);
        try {
          return String(q.getSync());
        } catch (e) {
          return (e as Error).name;
        }
      }, { q: empty, ready })),
    ];
    const asyncGet = empty.get().catch((e: Error) => e.name);
    await until(() => Atomics.load(ready, 0) === 4);
    await sleep(50);
    full.shutdown();
    empty.shutdown();
    expect(await Promise.all(blocked.map((b) => b.result))).toEqual(['ShutDownError', 'ShutDownError', 'ShutDownError', 'ShutDownError']);
    expect(await asyncGet).toBe('ShutDownError');
    // The item put before the shutdown is still there to drain.
    expect(full.getNowait()).toBe(0);
    expect(() => full.getNowait()).toThrow(ShutDownError);
  });

  it('immediate shutdown drops the items, counts them done and wakes join', async () => {
    const q = new Queue<number>(4);
    for (let i = 0; i < 4; i++) q.putNowait(i);
    q.getNowait();
    q.taskDone();
    q.putNowait(4);
    expect(q.full()).toBe(true);
    const joined = start(({ q }: { q: Queue<number> }) => q.joinSync(30_000), { q });
    const blockedPut = start(({ q }: { q: Queue<number> }) => {
      try {
        q.putSync(9);
        return 'put';
      } catch (e) {
        return (e as Error).name;
      }
    }, { q });
    await sleep(50);
    q.shutdown(true);
    expect(await joined.result).toBe(true);
    expect(await blockedPut.result).toBe('ShutDownError');
    expect(q.qsize()).toBe(0);
    expect(() => q.getNowait()).toThrow(ShutDownError);
    expect(() => q.taskDone()).toThrow(/called more times/);
  });

  it('consumers terminated while blocked leave the queue usable for many more items', async () => {
    const q = new SimpleQueue<number>();
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const victims = [0, 1, 2].map(() => start(({ q, ready }: { q: SimpleQueue<number>; ready: Int32Array }) => {
      Atomics.add(ready, 0, 1);
      return q.getSync();
    }, { q, ready }));
    for (const v of victims) v.result.catch(() => undefined);
    await until(() => Atomics.load(ready, 0) === 3);
    await sleep(100);
    await Promise.all(victims.map((v) => v.worker.terminate()));
    const survivor = start(({ q }: { q: SimpleQueue<number> }) => {
      let sum = 0;
      for (let i = 0; i < 10_000; i++) sum += q.getSync(30_000);
      return sum;
    }, { q });
    for (let i = 0; i < 10_000; i++) q.putNowait(i);
    expect(await survivor.result).toBe((10_000 * 9_999) / 2);
    expect(q.empty()).toBe(true);
  });
});
