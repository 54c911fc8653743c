// How a map chunk runs in a worker and how its results come back: numbers packed, other values
// plain, promises awaited in the middle of a chunk, errors in the middle of a chunk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool, WorkerCrashedError } from '@conc/pool';
import { errorOf } from './helpers.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe.each(['thread', 'process'] as const)('map chunks (%s pool)', (kind) => {
  let pool: Pool;
  beforeAll(() => {
    pool = new Pool({ processes: 2, kind });
  });
  afterAll(async () => {
    await pool.terminate();
  });

  it('numbers in every chunk shape: uneven last chunk, chunksize = n, chunksize > n, huge, default', async () => {
    const items = range(1003).map((x) => x * 1.5 - 7);
    const expected = items.map((x) => x * 2);
    const double = (x: number): number => x * 2;
    for (const chunksize of [17, 100, 1002, 1003, 1004, 1e9, undefined]) expect(await pool.map(double, items, chunksize)).toEqual(expected);
    // -0 and NaN across several chunks, sent in one batch buffer.
    const special = range(200).map((x) => (x % 3 === 0 ? -0 : x % 3 === 1 ? NaN : x / 7));
    const same = await pool.map((x: number) => x, special, 20);
    same.forEach((v, i) => expect(Object.is(v, special[i])).toBe(true));
  });

  it('maps of 0, 1 and 17 numbers', async () => {
    const inc = (x: number): number => x + 1;
    expect(await pool.map(inc, [])).toEqual([]);
    expect(await pool.map(inc, [41])).toEqual([42]);
    expect(await pool.map(inc, range(17), 17)).toEqual(range(17).map((x) => x + 1));
  });

  it('the input is read at the call: changing the array afterwards changes nothing', async () => {
    const items = range(500);
    const result = pool.mapAsync((x: number) => x + 1, items, { chunksize: 50 });
    items.fill(-1);
    items[3] = 'changed' as unknown as number;
    expect(await result).toEqual(range(500).map((x) => x + 1));
  });

  it('a map whose numbers are not all numbers: each chunk as it can travel', async () => {
    const items: unknown[] = range(100);
    items[55] = 'x';
    items[90] = { n: 1 };
    const kind = (x: unknown): string => typeof x;
    const expected = items.map((x) => typeof x);
    expect(await pool.map(kind, items, 20)).toEqual(expected);
    expect(await pool.map(kind, items)).toEqual(expected);
  });

  it('a worker dying under a map: the chunks of another map it held run again elsewhere, right', async () => {
    const single = new Pool({ processes: 1, kind });
    try {
      const inc = (x: number): number => x + 1;
      const die = (x: number): number => (x === 150 ? process.exit(7) : x);
      // Both targets measured short, so the next batches are pipelined behind each other.
      await single.map(inc, range(2000), 100);
      await single.map(die, range(100), 50);
      const items = range(5000).map((x) => x / 4);
      const dying = single.map(die, range(200), 50);
      const surviving = single.map(inc, items, 100);
      const error = await errorOf(dying);
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(await surviving).toEqual(items.map((x) => x + 1));
      expect(await single.map(inc, items, 1000)).toEqual(items.map((x) => x + 1));
    } finally {
      await single.terminate();
    }
  });

  it('promises among number results are awaited in place, whichever value they bring', async () => {
    // Every 10th item returns a promise: of a number on even tens, of a string on odd ones.
    const sometimesAsync = (x: number): number | string | Promise<number | string> =>
      x % 10 === 0 ? Promise.resolve(x % 20 === 0 ? x * 2 : `s${x}`) : x * 2;
    const expected = range(100).map((x) => (x % 10 === 0 && x % 20 !== 0 ? `s${x}` : x * 2));
    for (const chunksize of [17, 40, 100]) expect(await pool.map(sometimesAsync, range(100), chunksize)).toEqual(expected);
  });

  it('a promise of a number as the first and last results of a chunk', async () => {
    const edges = (x: number): number | Promise<number> => (x % 20 === 0 || x % 20 === 19 ? Promise.resolve(-x) : x);
    expect(await pool.map(edges, range(60), 20)).toEqual(range(60).map((x) => (x % 20 === 0 || x % 20 === 19 ? -x : x)));
  });

  it('every result a promise, in chunks of numbers', async () => {
    const later = async (x: number): Promise<number> => x + 0.5;
    expect(await pool.map(later, range(50), 25)).toEqual(range(50).map((x) => x + 0.5));
  });

  it('non-number results after numbers (and promises after that) keep their places', async () => {
    const f = (x: number): unknown => (x < 20 ? x : x < 30 ? { x } : x < 40 ? Promise.resolve([x]) : null);
    expect(await pool.map(f, range(50), 50)).toEqual(range(50).map((x) => (x < 20 ? x : x < 30 ? { x } : x < 40 ? [x] : null)));
  });

  it('an error in the middle of a chunk, sync or after an await, fails the map with that error', async () => {
    const failSync = (x: number): number => {
      if (x === 33) throw new RangeError(`bad ${x}`);
      return x;
    };
    const syncError = await errorOf(pool.map(failSync, range(100), 50));
    expect(syncError).toBeInstanceOf(RangeError);
    expect(syncError.message).toBe('bad 33');
    const failAsync = (x: number): number | Promise<number> => (x === 34 ? Promise.reject(new TypeError(`late ${x}`)) : x === 20 ? Promise.resolve(x) : x);
    const asyncError = await errorOf(pool.map(failAsync, range(100), 50));
    expect(asyncError).toBeInstanceOf(TypeError);
    expect(asyncError.message).toBe('late 34');
    // The pool goes on.
    expect(await pool.map((x: number) => x + 1, range(100), 50)).toEqual(range(100).map((x) => x + 1));
  });
});
