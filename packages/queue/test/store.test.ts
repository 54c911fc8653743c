import { describe, expect, it } from 'vitest';
import { HEADER_WORDS } from '@conc/core/internal';
import { LifoQueue, PriorityQueue, Queue } from '@conc/queue';

// A seeded generator, so a failure replays.
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

function item(rand: () => number, i: number): string {
  // Mostly small items, some large enough to wrap the ring or grow the arena (64 KB at first).
  const r = rand();
  const size = r < 0.9 ? Math.floor(rand() * 200) : r < 0.99 ? Math.floor(rand() * 8000) : 70_000 + Math.floor(rand() * 50_000);
  return `${i}:`.padEnd(size, String.fromCharCode(97 + (i % 26)));
}

function run(q: Queue<string>, take: (model: string[]) => string, seed: number): void {
  const rand = random(seed);
  const model: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    // Phases of mostly-put and mostly-get, so the queue fills, wraps and drains.
    const putBias = Math.floor(i / 2000) % 2 === 0 ? 0.7 : 0.3;
    if (model.length === 0 || rand() < putBias) {
      const value = item(rand, i);
      q.putNowait(value);
      model.push(value);
    } else {
      expect(q.getNowait()).toBe(take(model));
    }
    expect(q.qsize()).toBe(model.length);
  }
  while (model.length) expect(q.getNowait()).toBe(take(model));
  expect(q.empty()).toBe(true);
}

describe('the stores under random puts and gets of mixed sizes (wrap, growth, compaction)', () => {
  it('keeps the layout after the core header', () => {
    expect(HEADER_WORDS).toBe(2);
  });

  it('Queue hands items out first-in first-out', () => {
    for (const seed of [1, 2, 3]) run(new Queue<string>(), (m) => m.shift()!, seed);
  });

  it('LifoQueue hands items out last-in first-out', () => {
    for (const seed of [4, 5]) run(new LifoQueue<string>(), (m) => m.pop()!, seed);
  });

  it('PriorityQueue hands out the smallest, equal ones first-in first-out', () => {
    for (const seed of [6, 7]) {
      run(new PriorityQueue<string>(), (m) => {
        let best = 0;
        for (let i = 1; i < m.length; i++) if (m[i]! < m[best]!) best = i;
        return m.splice(best, 1)[0]!;
      }, seed);
    }
  });

  it('PriorityQueue keeps insertion order among equal priorities across compactions', () => {
    const q = new PriorityQueue<[number, number, string]>();
    const rand = random(9);
    const model: [number, number, string][] = [];
    for (let i = 0; i < 20_000; i++) {
      if (model.length === 0 || rand() < 0.55) {
        const entry: [number, number, string] = [Math.floor(rand() * 5), i, 'x'.repeat(Math.floor(rand() * 300))];
        q.putNowait(entry);
        model.push(entry);
      } else {
        let best = 0;
        for (let k = 1; k < model.length; k++) if (model[k]![0] < model[best]![0]) best = k;
        const [expected] = model.splice(best, 1);
        expect(q.getNowait()).toEqual(expected);
      }
    }
  });
});

describe('small items through the per-thread scratch buffer', () => {
  // Items are copied out of shared memory into a scratch buffer seen through one cached view
  // per length; the scratch grows for a larger item. Every get must still be its own copy.
  function bytes(rand: () => number, i: number): Uint8Array {
    const r = rand();
    const length = r < 0.7 ? Math.floor(rand() * 130) : r < 0.95 ? 500 + Math.floor(rand() * 1200) : 4000 + Math.floor(rand() * 70_000);
    const out = new Uint8Array(length);
    for (let k = 0; k < length; k++) out[k] = (i * 31 + k * 7) & 0xff;
    return out;
  }

  it('returns each item whole and owned, across lengths, view-cache sizes and scratch growth', () => {
    const q = new Queue<Uint8Array>(64);
    const rand = random(11);
    const model: Uint8Array[] = [];
    const got: [Uint8Array, Uint8Array][] = [];
    for (let i = 0; i < 6000; i++) {
      if (model.length === 0 || (model.length < 64 && rand() < 0.5)) {
        const value = bytes(rand, i);
        q.putSync(value);
        model.push(value);
      } else got.push([q.getSync(), model.shift()!]);
    }
    while (model.length) got.push([q.getNowait(), model.shift()!]);
    // Compared only at the end: a returned item that were a view of the scratch buffer would
    // have been overwritten by the gets after it.
    const bad = got.filter(([item, expected]) => !(item instanceof Uint8Array) || Buffer.compare(item, expected) !== 0).length;
    expect(bad).toBe(0);
    expect(got.length).toBeGreaterThan(2900);
  });

  it('putNowait and getNowait keep their errors with the fast timeout path', () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    expect(() => q.putNowait(2)).toThrow(/full/);
    expect(q.getNowait()).toBe(1);
    expect(() => q.getNowait()).toThrow(/empty/);
    expect(() => q.getSync(-1)).toThrow(RangeError);
    expect(() => q.getSync(Number.NaN)).toThrow(/Queue\.getSync/);
    expect(() => q.putSync(1, -5)).toThrow(/Queue\.putSync/);
  });
});
