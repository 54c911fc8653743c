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
