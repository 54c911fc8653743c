// How a map chunk runs in a worker and how its results come back: numbers packed, other values
// plain, promises awaited in the middle of a chunk, errors in the middle of a chunk.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool } from '@conc/pool';
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
