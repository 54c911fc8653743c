import { describe, expect, it } from 'vitest';
import { PriorityQueue } from '@conc/queue';

// The order the PriorityQueue promises, written plainly: Python's where Python has one.
function rank(v: unknown): number {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return 0;
  if (typeof v === 'string') return 1;
  if (Array.isArray(v)) return 2;
  return 3;
}

/**
 * Compares two items. An uncomparable value (at any depth) ends the whole comparison: the
 * items count as equal, whatever follows.
 */
function reference(a: unknown, b: unknown): number {
  return compare(a, b).order;
}

function compare(a: unknown, b: unknown): { order: number; stop: boolean } {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return { order: ra - rb, stop: false };
  if (ra === 0) {
    const x = typeof a === 'boolean' ? Number(a) : (a as number | bigint);
    const y = typeof b === 'boolean' ? Number(b) : (b as number | bigint);
    return { order: x < y ? -1 : x > y ? 1 : 0, stop: false };
  }
  if (ra === 1) return { order: (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0, stop: false };
  if (ra === 3) return { order: 0, stop: true };
  const xs = a as unknown[];
  const ys = b as unknown[];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const c = compare(xs[i], ys[i]);
    if (c.order !== 0 || c.stop) return c;
  }
  return { order: xs.length - ys.length, stop: false };
}

function randomValue(rand: () => number, depth = 0): unknown {
  const r = rand();
  if (r < 0.25) return Math.floor(rand() * 7) - 3;
  if (r < 0.35) return (rand() - 0.5) * 10;
  if (r < 0.42) return BigInt(Math.floor(rand() * 7) - 3) * (rand() < 0.3 ? 10n ** 30n : 1n);
  if (r < 0.45) return [Infinity, -Infinity, -0, 2 ** 53 + 2, 1e300][Math.floor(rand() * 5)];
  if (r < 0.48) return rand() < 0.5;
  if (r < 0.7) return ['', 'a', 'b', 'ab', 'a\u0000', '\u0000', 'é', '\u{1F600}', 'Z', 'ba'][Math.floor(rand() * 10)];
  if (r < 0.9 && depth < 3) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  return [null, { a: 1 }, undefined][Math.floor(rand() * 3)];
}

describe('PriorityQueue order', () => {
  it('matches the documented comparison on random items, equal ones first-in first-out', () => {
    let s = 12345;
    const rand = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 20; round++) {
      const items = Array.from({ length: 300 }, () => randomValue(rand));
      const q = new PriorityQueue<unknown>();
      for (const item of items) q.putNowait(item);
      // A stable sort by the reference order is what must come out.
      const expected = items.map((item, i) => ({ item, i })).sort((x, y) => reference(x.item, y.item) || x.i - y.i).map((x) => x.item);
      const got: unknown[] = [];
      while (!q.empty()) got.push(q.getNowait());
      expect(got).toEqual(expected);
    }
  });

  it('orders numbers, bigints and booleans by value, as Python does', () => {
    const q = new PriorityQueue<unknown>();
    for (const x of [2n, 1.5, true, -1, 0, 10n ** 20n, 1e20 + 1, -Infinity, Infinity]) q.putNowait(x);
    const got: unknown[] = [];
    while (!q.empty()) got.push(q.getNowait());
    // 1e20 + 1 is the double 1e20, below 10n ** 20n only by... nothing: equal, so insertion order.
    expect(got).toEqual([-Infinity, -1, 0, true, 1.5, 2n, 10n ** 20n, 1e20 + 1, Infinity]);
  });

  it('takes (priority, data) tuples as arrays, and data that cannot be compared counts as equal', () => {
    const q = new PriorityQueue<[number, { job: string }]>();
    q.putNowait([2, { job: 'b' }]);
    q.putNowait([1, { job: 'a' }]);
    q.putNowait([2, { job: 'c' }]);
    q.putNowait([0, { job: 'z' }]);
    expect([q.getNowait(), q.getNowait(), q.getNowait(), q.getNowait()].map(([, d]) => d.job)).toEqual(['z', 'a', 'b', 'c']);
  });
});
