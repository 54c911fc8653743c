import { describe, expect, it } from 'vitest';
import { Lock } from '@conc/sync';
import { DataCloneError, EmptyError, FullError, LifoQueue, PriorityQueue, Queue, ShutDownError, SimpleQueue, StateError } from '@conc/queue';
import { inThreads, sleep, start } from './threads.js';

const QUEUE_SIZE = 5;
const classes = [
  ['Queue', Queue, [111, 333, 222]],
  ['LifoQueue', LifoQueue, [222, 333, 111]],
  ['PriorityQueue', PriorityQueue, [111, 222, 333]],
] as const;

/**
 * CPython's do_blocking_test: `block()` must not return before a worker thread, after a
 * delay, has run `trigger` on the queue (recording that it did so first).
 */
async function blocksUntilTriggered<T>(q: Queue<unknown>, block: () => Promise<T>, trigger: 'get' | 'put'): Promise<T> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = start(({ q, flag, trigger }: { q: Queue<unknown>; flag: Int32Array; trigger: string }) => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    Atomics.store(flag, 0, 1);
    if (trigger === 'get') q.getSync();
    else q.putSync('empty');
  }, { q, flag, trigger });
  const result = await block();
  expect(Atomics.load(flag, 0)).toBe(1);
  await worker.result;
  return result;
}

describe.each(classes)('%s (CPython test_queue: simple_queue_test)', (_name, Class, order) => {
  it('orders, counts, fills, and blocks on full and empty', async () => {
    const q = new Class(QUEUE_SIZE) as Queue<number | string>;
    expect(q.empty()).toBe(true);
    expect(q.full()).toBe(false);
    await q.put(111);
    await q.put(333);
    await q.put(222);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(order);
    for (let i = 0; i < QUEUE_SIZE - 1; i++) {
      await q.put(i);
      expect(q.qsize()).toBeGreaterThan(0);
    }
    expect(q.full()).toBe(false);
    const last = 2 * QUEUE_SIZE;
    const full = 3 * 2 * QUEUE_SIZE;
    await q.put(last);
    expect(q.full()).toBe(true);
    expect(q.empty()).toBe(false);
    expect(q.qsize()).toBe(QUEUE_SIZE);
    await expect(q.put(full, { blocking: false })).rejects.toThrow(FullError);
    const before = performance.now();
    await expect(q.put(full, 10)).rejects.toThrow(FullError);
    expect(performance.now() - before).toBeGreaterThanOrEqual(9);
    expect(() => q.putSync(full, 10)).toThrow(FullError);
    // Blocking puts return once a worker thread took an item.
    await blocksUntilTriggered(q, () => q.put(full), 'get');
    await blocksUntilTriggered(q, () => q.put(full, 10_000), 'get');
    for (let i = 0; i < QUEUE_SIZE; i++) await q.get();
    expect(q.qsize()).toBe(0);
    await expect(q.get({ blocking: false })).rejects.toThrow(EmptyError);
    await expect(q.get(10)).rejects.toThrow(EmptyError);
    expect(() => q.getSync(10)).toThrow(EmptyError);
    expect(await blocksUntilTriggered(q, () => q.get(), 'put')).toBe('empty');
    expect(await blocksUntilTriggered(q, () => q.get(10_000), 'put')).toBe('empty');
  });

  it('put_nowait and get_nowait raise Full and Empty', () => {
    const q = new Class(QUEUE_SIZE) as Queue<number>;
    for (let i = 0; i < QUEUE_SIZE; i++) q.putNowait(i);
    expect(() => q.putNowait(QUEUE_SIZE)).toThrow(FullError);
    for (let i = 0; i < QUEUE_SIZE; i++) q.getNowait();
    expect(() => q.getNowait()).toThrow(EmptyError);
  });

  it('join waits for taskDone from worker threads (queue_join_test), twice', async () => {
    const q = new Class() as Queue<number>;
    const sum = new Int32Array(new SharedArrayBuffer(4));
    const workers = inThreads(2, ({ q, sum }: { q: Queue<number>; sum: Int32Array }) => {
      for (;;) {
        const x = q.getSync();
        if (x < 0) {
          q.taskDone();
          return;
        }
        Atomics.add(sum, 0, x);
        q.taskDone();
      }
    }, { q, sum });
    for (let i = 0; i < 100; i++) await q.put(i);
    expect(await q.join()).toBe(true);
    expect(Atomics.load(sum, 0)).toBe(4950);
    await q.put(-1);
    await q.put(-1);
    expect(await q.join(30_000)).toBe(true);
    await workers;
    expect(q.joinSync(0)).toBe(true);
  });

  it('taskDone once too many is a StateError and leaves the count alone', async () => {
    const q = new Class() as Queue<number>;
    expect(() => q.taskDone()).toThrow(StateError);
    q.putNowait(1);
    q.getNowait();
    q.taskDone();
    expect(() => q.taskDone()).toThrow(/too many/);
    q.putNowait(2);
    expect(await q.join(20)).toBe(false);
    q.taskDone();
    expect(await q.join(20)).toBe(true);
  });
});

describe('shutdown (Python 3.13)', () => {
  it('put raises at once; get drains, then raises', async () => {
    const q = new Queue<string>(2);
    q.putNowait('L');
    q.putNowait('O');
    q.shutdown();
    expect(() => q.putNowait('W')).toThrow(ShutDownError);
    await expect(q.put('E')).rejects.toThrow(ShutDownError);
    expect(await q.get()).toBe('L');
    expect(q.getNowait()).toBe('O');
    await expect(q.get()).rejects.toThrow(ShutDownError);
    expect(() => q.getSync(1000)).toThrow(ShutDownError);
    q.taskDone();
    q.taskDone();
    expect(() => q.taskDone()).toThrow(StateError);
    expect(await q.join()).toBe(true);
    q.shutdown(true); // allowed after a plain shutdown
  });

  it('immediate drops what is left and counts it done for join', async () => {
    const q = new Queue<string>(2);
    q.putNowait('L');
    q.putNowait('O');
    q.shutdown(true);
    expect(q.qsize()).toBe(0);
    expect(() => q.getNowait()).toThrow(ShutDownError);
    expect(() => q.taskDone()).toThrow(StateError);
    expect(await q.join(1000)).toBe(true);
  });

  it('wakes consumers blocked in get and producers blocked in put, in other threads', async () => {
    const empty = new Queue<number>();
    const full = new Queue<number>(1);
    full.putNowait(0);
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const getters = inThreads(2, ({ q, ready }: { q: Queue<number>; ready: Int32Array }) => {
      Atomics.add(ready, 0, 1);
      try {
        q.getSync();
        return 'got';
      } catch (e) {
        return (e as Error).name;
      }
    }, { q: empty, ready });
    const putters = inThreads(2, ({ q, ready }: { q: Queue<number>; ready: Int32Array }) => {
      Atomics.add(ready, 0, 1);
      try {
        q.putSync(1);
        return 'put';
      } catch (e) {
        return (e as Error).name;
      }
    }, { q: full, ready });
    const asyncGet = empty.get().then(() => 'got', (e: Error) => e.name);
    while (Atomics.load(ready, 0) < 4) await sleep(5);
    await sleep(100);
    empty.shutdown();
    full.shutdown();
    expect(await getters).toEqual(['ShutDownError', 'ShutDownError']);
    expect(await putters).toEqual(['ShutDownError', 'ShutDownError']);
    expect(await asyncGet).toBe('ShutDownError');
    // A plain shutdown keeps what was in the queue for the getters.
    expect(full.getNowait()).toBe(0);
  });

  it('async iteration yields until the queue is shut down and drained', async () => {
    const q = new Queue<number>();
    const producer = start(({ q }: { q: Queue<number> }) => {
      for (let i = 0; i < 50; i++) q.putSync(i);
      q.shutdown();
    }, { q });
    const seen: number[] = [];
    for await (const x of q) seen.push(x);
    await producer.result;
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('abort and bad input', () => {
  it('an aborted get rejects with the reason and takes nothing', async () => {
    const q = new Queue<string>();
    const controller = new AbortController();
    const pending = q.get({ signal: controller.signal });
    const other = q.get(30_000);
    await sleep(20);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    q.putNowait('x');
    expect(await other).toBe('x');
    // Already aborted: rejects at once even with an item there, which stays.
    q.putNowait('y');
    await expect(q.get({ signal: AbortSignal.abort() })).rejects.toThrow();
    expect(q.qsize()).toBe(1);
  });

  it('an aborted put rejects with the reason and puts nothing', async () => {
    const q = new Queue<string>(1);
    q.putNowait('a');
    const controller = new AbortController();
    const pending = q.put('b', { signal: controller.signal });
    await sleep(20);
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(q.getNowait()).toBe('a');
    expect(q.empty()).toBe(true);
  });

  it('an abort passes on a wake-up it may have absorbed', async () => {
    // Many aborting getters racing real puts from a thread: every item must still be taken.
    for (let round = 0; round < 5; round++) {
      const q = new Queue<number>();
      const controllers = Array.from({ length: 8 }, () => new AbortController());
      const aborting = controllers.map((c) => q.get({ signal: c.signal }).then(() => 1, () => 0));
      const steady = q.get(30_000);
      const producer = start(({ q }: { q: Queue<number> }) => q.putSync(7), { q });
      for (const c of controllers) c.abort();
      const taken = (await Promise.all(aborting)).reduce((a: number, b: number) => a + b, 0);
      await producer.result;
      if (taken === 0) expect(await steady).toBe(7);
      else await expect(steady).rejects.toThrow(EmptyError);
    }
  });

  it('rejects bad arguments clearly, Promise methods by rejection', async () => {
    expect(() => new Queue('3' as never)).toThrow(TypeError);
    expect(() => new Queue(1.5)).toThrow(RangeError);
    expect(new Queue(-1).maxsize).toBe(0);
    const q = new Queue<unknown>(1);
    const bad = q.get(-1);
    expect(bad).toBeInstanceOf(Promise);
    await expect(bad).rejects.toThrow(RangeError);
    await expect(q.put(1, NaN)).rejects.toThrow(RangeError);
    await expect(q.put(1, { blocking: false, timeout: 5 })).rejects.toThrow(/non-blocking/);
    await expect(q.join('x' as never)).rejects.toThrow(TypeError);
    expect(() => q.getSync(-1)).toThrow(RangeError);
    expect(() => q.putNowait({ f: () => 1 })).toThrow(DataCloneError);
    expect(() => q.putNowait({ f: () => 1 })).toThrow(/item\.f/);
    await expect(q.put([1, Symbol('s')])).rejects.toThrow(DataCloneError);
    expect(() => q.shutdown('yes' as never)).toThrow(TypeError);
    expect(q.qsize()).toBe(0);
    q.putNowait('still works');
    expect(q.getNowait()).toBe('still works');
  });
});

describe('items', () => {
  it('round-trips any structured-cloneable item, and @conc objects by reference', async () => {
    const q = new Queue<unknown>();
    const lock = new Lock();
    const inner = new Queue<string>();
    const items: unknown[] = [
      undefined, null, true, 0, -0, NaN, 2 ** 40, -7, 1.25, 12345678901234567890n, '', 'héllo 😀', 'x'.repeat(10_000),
      { a: [1, { b: 'c' }] }, new Map([[1, 'one']]), new Set(['s']), new Date(5), /re/g, new Uint16Array([1, 2]), [undefined, null],
      // Objects JSON would not carry exactly: each must still come back as structured clone does.
      { z: -0 }, [NaN, Infinity], { u: undefined }, { d: new Date(7) },
      // eslint-disable-next-line no-sparse-arrays -- a hole must stay a hole
      [1, , 3], JSON.parse('{"__proto__": 1, "x": [true]}'),
      { s: 'lone \ud800 surrogate', e: '' }, [[[[{ deep: [1.5, 'x'] }]]]],
    ];
    for (const item of items) await q.put(item);
    for (const item of items) expect(await q.get()).toStrictEqual(item);
    await q.put({ z: -0 });
    expect(Object.is(((await q.get()) as { z: number }).z, -0)).toBe(true);
    await q.put({ lock, inner });
    const got = await start(({ q }: { q: Queue<{ lock: Lock; inner: Queue<string> }> }) => {
      const { lock, inner } = q.getSync();
      const held = lock.acquireSync(0);
      inner.putSync('from the thread');
      return held;
    }, { q: q as Queue<never> }).result;
    expect(got).toBe(true);
    expect(lock.locked()).toBe(true);
    expect(await inner.get()).toBe('from the thread');
  });

  it('carries a 50 MB item between threads, both ways', async () => {
    const q = new Queue<Uint8Array>(1);
    const back = new Queue<Uint8Array>(1);
    const worker = start(({ q, back }: { q: Queue<Uint8Array>; back: Queue<Uint8Array> }) => {
      const big = new Uint8Array(50 * 1024 * 1024);
      for (let i = 0; i < big.length; i += 4093) big[i] = (i % 251) + 1;
      q.putSync(big);
      const echoed = back.getSync();
      let same = echoed.length === big.length;
      for (let i = 0; i < big.length && same; i += 4093) same = echoed[i] === big[i];
      return same;
    }, { q, back });
    const big = await q.get();
    expect(big.length).toBe(50 * 1024 * 1024);
    let checked = 0;
    for (let i = 0; i < big.length; i += 4093) {
      if (big[i] !== (i % 251) + 1) throw new Error(`byte ${i} is ${big[i]}`);
      checked++;
    }
    expect(checked).toBeGreaterThan(12_000);
    await back.put(big);
    expect(await worker.result).toBe(true);
  });

  it('keeps the memory of a bounded queue bounded', async () => {
    const q = new Queue<Uint8Array>(2);
    const done = start(({ q }: { q: Queue<Uint8Array> }) => {
      for (let i = 0; i < 200; i++) q.putSync(new Uint8Array(256 * 1024).fill(i % 256));
    }, { q });
    for (let i = 0; i < 200; i++) {
      const item = await q.get();
      expect(item.length).toBe(256 * 1024);
      expect(item[1000]).toBe(i % 256);
    }
    await done.result;
    const arena = (q as unknown as { _core: { arena: { bytes: Uint8Array } } })._core.arena.bytes.length;
    // Two items of 256 KB plus ring slack: far below the 50 MB that went through.
    expect(arena).toBeLessThanOrEqual(2 * 1024 * 1024);
  });
});

describe('SimpleQueue (CPython test_queue: SimpleQueue tests)', () => {
  it('is first-in first-out, unbounded, with get timeouts and nowait', async () => {
    const q = new SimpleQueue<number>();
    expect(q.empty()).toBe(true);
    for (let i = 0; i < 1000; i++) await q.put(i);
    expect(q.qsize()).toBe(1000);
    for (let i = 0; i < 1000; i++) expect(i % 2 ? q.getNowait() : await q.get()).toBe(i);
    expect(() => q.getNowait()).toThrow(EmptyError);
    await expect(q.get(10)).rejects.toThrow(EmptyError);
    expect(() => q.getSync({ blocking: false })).toThrow(EmptyError);
    await expect(q.get(-1)).rejects.toThrow(RangeError);
    await expect(q.put((() => 1) as never)).rejects.toThrow(DataCloneError);
  });

  it('passes items between many threads exactly once', async () => {
    const q = new SimpleQueue<number>();
    const out = new SimpleQueue<number>();
    const consumers = inThreads(3, ({ q, out }: { q: SimpleQueue<number>; out: SimpleQueue<number> }) => {
      let sum = 0;
      for (;;) {
        const x = q.getSync();
        if (x < 0) break;
        sum += x;
      }
      out.putNowait(sum);
    }, { q, out });
    const producers = inThreads(2, ({ q }: { q: SimpleQueue<number> }, index: number) => {
      for (let i = 0; i < 5000; i++) q.putNowait(index * 5000 + i);
    }, { q });
    await producers;
    for (let i = 0; i < 3; i++) await q.put(-1);
    await consumers;
    let total = 0;
    for (let i = 0; i < 3; i++) total += await out.get();
    expect(total).toBe((10_000 * 9_999) / 2);
  });
});

describe('names', () => {
  it('every class keeps its own name (errors and traces use it)', async () => {
    expect([Queue.name, LifoQueue.name, PriorityQueue.name, SimpleQueue.name]).toEqual(['Queue', 'LifoQueue', 'PriorityQueue', 'SimpleQueue']);
    await expect(new LifoQueue().get(-1)).rejects.toThrow(/^LifoQueue\.get: timeout/);
  });
});

describe('tracing', () => {
  it('publishes put, get and shutdown on @conc/trace only while someone listens', async () => {
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const events: { type: string; kind: string; id: number; size?: number }[] = [];
    const listener = (message: unknown): void => void events.push(message as (typeof events)[number]);
    const q = new Queue<string>();
    q.putNowait('before');
    subscribe('@conc/trace', listener);
    try {
      q.putNowait('abc');
      q.getNowait();
      q.shutdown();
    } finally {
      unsubscribe('@conc/trace', listener);
    }
    q.getNowait();
    const mine = events.filter((e) => e.kind === 'Queue');
    expect(mine.map((e) => e.type)).toEqual(['put', 'get', 'shutdown']);
    expect(new Set(mine.map((e) => e.id)).size).toBe(1);
    expect(mine[0]!.size).toBe(4);
  });
});
