import { describe, expect, it } from 'vitest';
import { DataCloneError, FullError, ShutDownError } from '@conc/core';
import { encode } from '@conc/core/internal';
import { LifoQueue, PriorityQueue, Queue, SimpleQueue } from '@conc/queue';
import { inThreads } from './threads.js';

// Tagged values (numbers, strings, plain bytes, JSON-safe objects...) are encoded by the FIFO
// engine straight into its ring and decoded from it in place; anything else takes the bytes path.

/** Item `i` of a stream mixing every kind and many sizes, so records land at every ring offset. */
function item(i: number): unknown {
  switch (i % 9) {
    case 0:
      return i;
    case 1:
      return i + 0.5;
    case 2:
      return 'é'.repeat(i % 97) + String(i);
    case 3:
      return Uint8Array.from({ length: i % 301 }, (_, k) => (i + k) & 255);
    case 4:
      return { i, name: 'x'.repeat(i % 50), list: [i, null, true] };
    case 5:
      return new Map([[i, 'general path']]);
    case 6:
      return i % 2 === 0 ? null : undefined;
    case 7:
      return [BigInt(i), new Date(i)];
    default:
      // A string whose worst case (3 bytes a unit) rarely fits where its bytes would.
      return 'a'.repeat(1000 + (i % 2000));
  }
}

describe('values encoded and decoded in place', () => {
  it('every kind, many laps around a bounded ring, in order, in one thread', () => {
    const q = new Queue<unknown>(40);
    let next = 0;
    for (let i = 0; i < 6000; i++) {
      q.putSync(item(i));
      if (q.qsize() === 40 || i % 7 === 0) {
        while (q.qsize() > (i % 5)) expect(q.getSync()).toStrictEqual(item(next++));
      }
    }
    while (next < 6000) expect(q.getSync()).toStrictEqual(item(next++));
    expect(q.empty()).toBe(true);
  });

  it('an unbounded queue grows its ring while in-place puts fill it', () => {
    const q = new SimpleQueue<unknown>();
    for (let i = 0; i < 3000; i++) q.putNowait(item(i));
    expect(q.qsize()).toBe(3000);
    for (let i = 0; i < 3000; i++) expect(q.getSync()).toStrictEqual(item(i));
    expect(q.empty()).toBe(true);
  });

  it('1 producer thread → 1 consumer thread, every kind, exact and in order', async () => {
    const q = new Queue<unknown>(16);
    const n = 20_000;
    const [, bad] = await inThreads(2, ({ q, n, source }: { q: Queue<unknown>; n: number; source: string }, index: number) => {
      // The item maker, sent as text (a thread runs a function's source, without its closure).
      const make = new Function(`return (${source})`)() as (i: number) => unknown;
      const { isDeepStrictEqual } = process.getBuiltinModule('node:util');
      if (index === 0) {
        for (let i = 0; i < n; i++) q.putSync(make(i));
        return 0;
      }
      let wrong = 0;
      for (let i = 0; i < n; i++) if (!isDeepStrictEqual(q.getSync(), make(i))) wrong++;
      return wrong;
    }, { q, n, source: item.toString() });
    expect(bad).toBe(0);
    expect(q.empty()).toBe(true);
  });

  it('an item that cannot cross throws DataCloneError before any wait, as before', () => {
    const q = new Queue<unknown>(1);
    q.putSync(1);
    expect(() => q.putSync(() => 1, 10_000)).toThrow(DataCloneError);
    expect(() => q.putSync(2, 0)).toThrow(FullError);
    q.shutdown();
    expect(() => q.putSync('late')).toThrow(ShutDownError);
    expect(q.getSync()).toBe(1);
    expect(() => q.getSync()).toThrow(ShutDownError);
  });

  it('LIFO and priority queues take the same values through their encode-first engine', () => {
    const lifo = new LifoQueue<unknown>();
    const priority = new PriorityQueue<[number, unknown]>();
    for (let i = 0; i < 50; i++) {
      lifo.putSync(item(i));
      priority.putSync([50 - i, item(i)]);
    }
    for (let i = 49; i >= 0; i--) expect(lifo.getSync()).toStrictEqual(item(i));
    for (let i = 49; i >= 0; i--) expect(priority.getSync()).toStrictEqual([50 - i, item(i)]);
  });

  it('tracing reports the encoded size of in-place and general items', async () => {
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const sizes: [string, number][] = [];
    const listener = (message: unknown): void => {
      const event = message as { type: string; kind: string; size?: number };
      if (event.kind === 'Queue' || event.kind === 'SimpleQueue') sizes.push([event.type, event.size!]);
    };
    const values = ['abc', new Uint8Array(64), new Map([[1, 2]])];
    const expected = values.map((value) => encode(value, 'item').length);
    subscribe('@conc/trace', listener);
    try {
      for (const q of [new Queue<unknown>(), new SimpleQueue<unknown>()]) {
        for (const value of values) q.putNowait(value);
        for (const value of values) expect(q.getSync()).toStrictEqual(value);
      }
    } finally {
      unsubscribe('@conc/trace', listener);
    }
    const once = [...expected.map((size): [string, number] => ['put', size]), ...expected.map((size): [string, number] => ['get', size])];
    expect(sizes).toEqual([...once, ...once]);
  });
});
