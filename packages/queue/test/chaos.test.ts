import { describe, expect, it } from 'vitest';
import { EmptyError, FullError } from '@conc/core';
import { LifoQueue, Pipe, PriorityQueue, Queue, SimpleQueue, type Connection } from '@conc/queue';
import { abandonedDuring, SLACK_MS, timed } from '@conc/test-kit';
import { sleep, start, stopAtAtomic } from './threads.js';

/**
 * Chaos rounds: worker threads put and get in a tight loop and die at a chosen instant, often
 * holding a queue's lock, mid-publish, mid-move. To reach every such instant, worker 0 wraps the
 * Atomics operations (which the engines and locks call at each step) and, at its `stopAt`-th
 * one (a different one each round, before or after it), stops there spinning until it is
 * terminated; the others are terminated wherever they are. The survivor (this thread) must find
 * the queue usable within its timeouts, with `qsize()` exact and no item torn, duplicated or
 * invented. Each worker records that it starts a put, finished it, and took an item (with the
 * unwrapped operations): a dead worker can have one put and one get in flight, which bounds
 * what may be left.
 */

type AnyQueue = Queue<Item> | LifoQueue<Item> | PriorityQueue<Item> | SimpleQueue<Item>;
type Item = [number, number, number, string];

const WORKERS = 2;
/** Per worker: puts started, puts done, gets done; then one word: worker 0 stopped. */
const STRIDE = 4;
const STOPPED = WORKERS * STRIDE;

interface TrafficArgs {
  q: AnyQueue;
  words: Int32Array;
  stopAt: number;
  stopped: number;
  /** The source of {@link stopAtAtomic}. */
  stopper: string;
}

async function traffic(a: TrafficArgs, w: number): Promise<void> {
  const real = { add: Atomics.add, sub: Atomics.sub };
  const base = w * 4;
  if (w === 0) {
    // The function is shipped alone: its helper comes as source too.
    (0, eval)(`(${a.stopper})`)(a.words, a.stopAt, a.stopped);
  }
  for (let n = 0; ; n++) {
    // Varied sizes: rings wrap and grow, heap arenas compact and grow.
    const item: [number, number, number, string] = [n % 5, w, n, 'x'.repeat((n * 7) % 90)];
    real.add(a.words, base, 1);
    try {
      const q = a.q as unknown as { putSync?(i: unknown, t: number): void; putNowait(i: unknown): void };
      if (n % 8 === 0 && q.putSync) q.putSync(item, 1);
      else q.putNowait(item);
      real.add(a.words, base + 1, 1);
    } catch {
      real.sub(a.words, base, 1);
    }
    // Slightly fewer gets than puts: the queue is neither empty nor full for long.
    if (n % 16 !== 0) {
      try {
        if (n % 8 === 1) a.q.getSync(1);
        else a.q.getNowait();
        real.add(a.words, base + 2, 1);
      } catch {
        // Empty: go on.
      }
    }
    if (n % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

function valid(item: unknown): item is Item {
  return Array.isArray(item) && item.length === 4 && item[3] === 'x'.repeat((item[2] * 7) % 90) && item[0] === item[2] % 5 && item[1] >= 0 && item[1] < WORKERS;
}

async function chaosRound(make: () => AnyQueue, round: number): Promise<void> {
  const q = make();
  const words = new Int32Array(new SharedArrayBuffer((WORKERS * STRIDE + 1) * 4));
  const stopAt = 1 + Math.floor(Math.random() * 4000);
  const args = { q, words, stopAt, stopped: STOPPED, stopper: stopAtAtomic.toString() };
  const workers = Array.from({ length: WORKERS }, (_, w) => start(traffic, args as TrafficArgs, w));
  for (const w of workers) w.result.catch(() => {});
  // Until worker 0 stopped (or, at worst, a moment): then everyone dies where they are.
  const until = Date.now() + 3000;
  while (Atomics.load(words, STOPPED) === 0 && Date.now() < until) await sleep(2);
  await sleep((round * 7) % 5);
  await Promise.all(workers.map((w) => w.worker.terminate()));

  // Usable at once, within the timeouts: the queue drained, then a put.
  const size = await timed(1000, () => q.qsize());
  const drained: Item[] = [];
  for (;;) {
    try {
      drained.push(await timed(1000, () => q.get({ timeout: 100 })));
    } catch (error) {
      expect(error).toBeInstanceOf(EmptyError);
      break;
    }
  }
  expect(drained.length).toBe(size);
  expect(q.qsize()).toBe(0);
  const items = drained;
  for (const item of items) expect(valid(item)).toBe(true);
  expect(new Set(items.map((item) => `${item[1]}:${item[2]}`)).size).toBe(items.length);
  let started = 0;
  let done = 0;
  let got = 0;
  for (let w = 0; w < WORKERS; w++) {
    started += words[w * STRIDE]!;
    done += words[w * STRIDE + 1]!;
    got += words[w * STRIDE + 2]!;
  }
  // Each killed worker may have one put and one get in flight, completed or not.
  expect(items.length).toBeLessThanOrEqual(started - got);
  expect(items.length).toBeGreaterThanOrEqual(done - got - WORKERS);

  // Still a working queue, in its order, with tasks counted (join sees them all done).
  const isLifo = q instanceof LifoQueue;
  for (let n = 0; n < 3; n++) await timed(1000, () => q.put([n, 0, n, 'x'.repeat((n * 7) % 90)], { timeout: 1000 } as never));
  const back = [];
  for (let n = 0; n < 3; n++) back.push((await timed(1000, () => q.get({ timeout: 1000 })))[2]);
  expect(back).toEqual(isLifo ? [2, 1, 0] : [0, 1, 2]);
}

function rounds(name: string, make: () => AnyQueue, count: number): void {
  it(`${name}: ${count} rounds of workers dying mid-traffic leave it exact and usable`, async () => {
    const takeovers = (await abandonedDuring(async () => {
      for (let round = 0; round < count; round++) await chaosRound(make, round);
    })).length;
    // Some rounds killed a worker holding a lock: those are what this test is about.
    expect(takeovers).toBeGreaterThan(0);
  });
}

describe('chaos: workers dying at any step of a queue operation', () => {
  rounds('Queue(64)', () => new Queue<Item>(64), 30);
  rounds('Queue (unbounded, ring moves)', () => new Queue<Item>(), 20);
  rounds('SimpleQueue', () => new SimpleQueue<Item>(), 20);
  rounds('LifoQueue(64)', () => new LifoQueue<Item>(64), 25);
  rounds('PriorityQueue(64)', () => new PriorityQueue<Item>(64), 25);

  it('Pipe: 20 rounds of both ends\' threads dying mid-traffic; the pipe still carries everything, once', async () => {
    for (let round = 0; round < 20; round++) {
      const [a, b] = Pipe<Item>();
      const words = new Int32Array(new SharedArrayBuffer(8));
      const stopAt = 1 + Math.floor(Math.random() * 3000);
      const ends = [a, b].map((end, w) =>
        start(async (args: { end: Connection<Item>; words: Int32Array; stopAt: number; stopper: string }, i: number) => {
          if (i === 0) (0, eval)(`(${args.stopper})`)(args.words, args.stopAt, 1);
          for (let n = 0; ; n++) {
            args.end.send([n % 5, i, n, 'x'.repeat((n * 7) % 90)]);
            try {
              args.end.recvSync(0);
            } catch {
              // Nothing yet.
            }
            if (n % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
          }
        }, { end, words, stopAt, stopper: stopAtAtomic.toString() }, w),
      );
      for (const e of ends) e.result.catch(() => {});
      const until = Date.now() + 3000;
      while (Atomics.load(words, 1) === 0 && Date.now() < until) await sleep(2);
      await Promise.all(ends.map((e) => e.worker.terminate()));
      for (const [from, to] of [[a, b], [b, a]] as const) {
        const seen = new Set<string>();
        for (;;) {
          const ready = await timed(1000, () => to.poll(0));
          if (!ready) break;
          const item = await timed(1000, () => to.recv({ timeout: 1000 }));
          expect(valid(item)).toBe(true);
          const key = `${item[1]}:${item[2]}`;
          expect(seen.has(key)).toBe(false);
          seen.add(key);
        }
        from.send([1, 0, 1, 'xxxxxxx']);
        expect(await timed(1000, () => to.recv({ timeout: 1000 }))).toEqual([1, 0, 1, 'xxxxxxx']);
      }
    }
  });
});

describe('every wait honours its timeout while a live thread holds the queue\'s own lock', () => {
  const kinds = [
    ['Queue(1)', () => new Queue<Item>(1)],
    ['LifoQueue(1)', () => new LifoQueue<Item>(1)],
    ['PriorityQueue(1)', () => new PriorityQueue<Item>(1)],
  ] as const;
  for (const [name, make] of kinds) {
    it(`${name}: put and get time out on time (the lock path used to wait forever), then work once the holder died`, async () => {
      const q = make();
      q.putNowait([0, 0, 0, '']);
      const words = new Int32Array(new SharedArrayBuffer(4));
      // The holder takes the queue's internal locks (as a put or get in progress would) and stays.
      const holder = start((a: { q: AnyQueue; words: Int32Array }) => {
        const core = (a.q as unknown as { _core: Record<string, { acquireSync(): boolean } | undefined> })._core;
        for (const key of ['lock', 'putLock', 'getLock']) core[key]?.acquireSync();
        Atomics.store(a.words, 0, 1);
        for (;;);
      }, { q, words });
      holder.result.catch(() => {});
      while (Atomics.load(words, 0) === 0) await sleep(2);
      await expect(timed(100, () => q.put([1, 0, 1, ''], { timeout: 100 } as never))).rejects.toBeInstanceOf(FullError);
      await expect(timed(100, () => q.get({ timeout: 100 }))).rejects.toBeInstanceOf(EmptyError);
      for (const [call, error] of [[() => q.putSync([1, 0, 1, ''], 100), FullError], [() => q.getSync(100), EmptyError], [() => q.getNowait(), EmptyError]] as const) {
        const begin = performance.now();
        expect(call).toThrow(error);
        expect(performance.now() - begin).toBeLessThan(100 + SLACK_MS);
      }
      const aborted = new AbortController();
      setTimeout(() => aborted.abort(new Error('stop')), 50);
      await expect(timed(50, () => q.get({ signal: aborted.signal }))).rejects.toThrow('stop');
      expect(q.qsize()).toBe(1);
      await holder.worker.terminate();
      expect(await timed(1000, () => q.get({ timeout: 1000 }))).toEqual([0, 0, 0, '']);
      await timed(1000, () => q.put([2, 0, 2, ''], { timeout: 1000 } as never));
      expect(q.getNowait()).toEqual([2, 0, 2, '']);
    });
  }
});
