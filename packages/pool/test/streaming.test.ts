// imap/imapUnordered are lazy with a bounded window: an endless generator streams.
import { describe, expect, it } from 'vitest';
import { Pool } from '@conc/pool';

describe('lazy imap', () => {
  it('taking 50 results from an endless generator and breaking stops submitting', async () => {
    const pool = new Pool(2);
    let pulled = 0;
    let cleanedUp = false;
    function* endless(): Generator<number> {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      } finally {
        cleanedUp = true;
      }
    }
    const got: number[] = [];
    for await (const v of pool.imap((x: number) => x * 2, endless())) {
      got.push(v);
      if (got.length === 50) break;
    }
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(cleanedUp).toBe(true);
    const atBreak = pulled;
    // Bounded: the window, not the whole (endless) input.
    expect(atBreak).toBeLessThan(50 + 4096);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pulled).toBe(atBreak);
    pool.close();
    await pool.join();
  });

  it('memory stays flat while streaming 200k items', async () => {
    const pool = new Pool(2);
    let pulled = 0;
    let consumed = 0;
    let maxAhead = 0;
    function* endless(): Generator<number> {
      for (let i = 0; ; i++) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - consumed);
        yield i;
      }
    }
    let sum = 0;
    for await (const v of pool.imapUnordered((x: number) => x + 1, endless(), 16)) {
      sum += v;
      if (++consumed === 200_000) break;
    }
    expect(maxAhead).toBeLessThan(8192);
    // Unordered, but 200,000 distinct results out of a bounded window: close to 1 + 2 + ... + 200,000.
    expect(sum).toBeGreaterThanOrEqual((200_000 * 200_001) / 2);
    await pool.terminate();
  });

  it('async iterables as input, with a slow consumer', async () => {
    const pool = new Pool(2);
    let pulled = 0;
    async function* ticks(): AsyncGenerator<number> {
      for (let i = 0; i < 30; i++) {
        pulled++;
        await new Promise((resolve) => setTimeout(resolve, 1));
        yield i;
      }
    }
    const got: number[] = [];
    for await (const v of pool.imapUnordered((x: number) => x * 3, ticks(), 2)) got.push(v);
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i * 3));
    expect(pulled).toBe(30);
    const result = pool.mapAsync((x: number) => x - 1, ticks());
    expect(await result).toEqual(Array.from({ length: 30 }, (_, i) => i - 1));
    pool.close();
    await pool.join();
  });

  it('an imap started before close() goes on; join() drains it', async () => {
    const pool = new Pool(2);
    const iterator = pool.imap((x: number) => x + 1, Array.from({ length: 2000 }, (_, i) => i));
    pool.close();
    const first = await iterator.next();
    expect(first.value).toBe(1);
    await pool.join();
    let count = 1;
    let last = 1;
    for await (const v of iterator) {
      count++;
      last = v;
    }
    expect([count, last]).toEqual([2000, 2000]);
  });
});
