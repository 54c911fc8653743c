import { describe, expect, it } from 'vitest';
import { Barrier, BrokenBarrierError } from '@conc/sync';
import { inThreads, start, until } from './threads.js';

interface BOnly {
  b: Barrier;
}

interface Args {
  b: Barrier;
  words: Int32Array;
}

describe('Barrier (lock_tests.py BarrierTests)', () => {
  it('validates its arguments', () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(0)).toThrow(/parties must be an integer >= 1/);
    expect(() => new Barrier(-2)).toThrow(RangeError);
    expect(() => new Barrier(2.5)).toThrow(RangeError);
    expect(() => new Barrier('3' as never)).toThrow(TypeError);
    expect(() => new Barrier(2, { timeout: -1 })).toThrow(RangeError);
    expect(() => new Barrier(2, { action: 5 as never })).toThrow(TypeError);
    expect(() => new Barrier(2, { action: Math.max })).toThrow(TypeError);
    expect(() => new Barrier(2, null as never)).toThrow(TypeError);
    const b = new Barrier(3);
    expect([b.parties, b.nWaiting, b.broken]).toEqual([3, 0, false]);
  });

  it('a single party passes at once with index 0', async () => {
    const b = new Barrier(1);
    expect(await b.wait()).toBe(0);
    expect(b.waitSync()).toBe(0);
  });

  it('releases all parties together, several rounds, returning each index once per round', async () => {
    const b = new Barrier(4);
    const words = new Int32Array(new SharedArrayBuffer(4 * 8));
    const results = await inThreads(4, async (a: Args, i) => {
      const indexes: number[] = [];
      for (let round = 0; round < 5; round++) {
        Atomics.add(a.words, round, 1);
        const index = i % 2 ? a.b.waitSync() : await a.b.wait();
        // Everyone of this round arrived before anyone left it.
        if (Atomics.load(a.words, round) !== 4) throw new Error(`round ${round}: left early`);
        indexes.push(index);
      }
      return indexes;
    }, { b, words });
    for (let round = 0; round < 5; round++) expect(results.map((r) => r[round]).sort()).toEqual([0, 1, 2, 3]);
    expect(b.nWaiting).toBe(0);
  });

  it('10 parties (test_barrier_10)', async () => {
    const b = new Barrier(10);
    const results = await inThreads(10, async (a: BOnly, i) => {
      const out: number[] = [];
      for (let r = 0; r < 3; r++) out.push(i % 2 ? a.b.waitSync(30_000) : await a.b.wait(30_000));
      return out;
    }, { b });
    for (let r = 0; r < 3; r++) expect(results.map((x) => x[r]).sort((x, y) => x! - y!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('runs the action once per round, in the last thread, before anyone is released', async () => {
    const b = new Barrier(3, {
      action: () => {
        const w = (globalThis as unknown as { words: Int32Array }).words;
        Atomics.add(w, 0, 1);
      },
    });
    const words = new Int32Array(new SharedArrayBuffer(8));
    const seen = await inThreads(3, async (a: Args, i) => {
      (globalThis as unknown as { words: Int32Array }).words = a.words;
      const out: number[] = [];
      for (let round = 1; round <= 4; round++) {
        if (i === 0) a.b.waitSync();
        else await a.b.wait();
        out.push(Atomics.load(a.words, 0));
      }
      return out;
    }, { b, words });
    expect(Atomics.load(words, 0)).toBe(4);
    for (const s of seen) for (let r = 0; r < 4; r++) expect(s[r]).toBeGreaterThanOrEqual(r + 1);
  });

  it('a failing action breaks the barrier: its thread gets the error, the others BrokenBarrierError', async () => {
    const b = new Barrier(3, { action: () => { throw new TypeError('action failed'); } });
    const results = await inThreads(3, async (a: BOnly, i) => {
      try {
        if (i === 0) a.b.waitSync(20_000);
        else await a.b.wait(20_000);
        return 'passed';
      } catch (e) {
        return (e as Error).name;
      }
    }, { b });
    expect(results.sort()).toEqual(['BrokenBarrierError', 'BrokenBarrierError', 'TypeError']);
    expect(b.broken).toBe(true);
    await expect(b.wait()).rejects.toThrow(BrokenBarrierError);
    b.reset();
    expect(b.broken).toBe(false);
  });

  it('abort breaks it for the waiting threads and later waits; reset brings it back (test_abort_and_reset)', async () => {
    const b = new Barrier(3);
    const waiting = inThreads(2, async (a: BOnly, i) => {
      try {
        if (i === 0) a.b.waitSync();
        else await a.b.wait();
        return 'passed';
      } catch (e) {
        return (e as Error).name;
      }
    }, { b });
    await until(() => b.nWaiting === 2);
    b.abort();
    expect(await waiting).toEqual(['BrokenBarrierError', 'BrokenBarrierError']);
    expect(b.broken).toBe(true);
    expect(() => b.waitSync()).toThrow(BrokenBarrierError);
    b.reset();
    expect(b.broken).toBe(false);
    const again = await inThreads(3, (a: BOnly) => a.b.waitSync(), { b });
    expect(again.sort()).toEqual([0, 1, 2]);
  });

  it('reset while threads wait gives them BrokenBarrierError, and the barrier stays usable (test_reset)', async () => {
    const b = new Barrier(3);
    const waiting = inThreads(2, async (a: BOnly) => {
      try {
        await a.b.wait();
        return 'passed';
      } catch (e) {
        return (e as Error).name;
      }
    }, { b });
    await until(() => b.nWaiting === 2);
    b.reset();
    expect(await waiting).toEqual(['BrokenBarrierError', 'BrokenBarrierError']);
    expect(b.broken).toBe(false);
    expect((await Promise.all([b.wait(), b.wait(), b.wait()])).sort()).toEqual([0, 1, 2]);
  });

  it('a timeout breaks it for everyone (test_timeout) and the default timeout applies (test_default_timeout)', async () => {
    const b = new Barrier(3);
    const results = await inThreads(2, async (a: BOnly, i) => {
      const t0 = performance.now();
      try {
        if (i === 0) await a.b.wait(100);
        else a.b.waitSync(20_000);
        return 'passed';
      } catch (e) {
        return `${(e as Error).name}${i === 0 && performance.now() - t0 >= 99 ? ' after timeout' : ''}`;
      }
    }, { b });
    expect(results).toEqual(['BrokenBarrierError after timeout', 'BrokenBarrierError']);
    expect(b.broken).toBe(true);
    const d = new Barrier(2, { timeout: 50 });
    const t0 = performance.now();
    await expect(d.wait()).rejects.toThrow(BrokenBarrierError);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(49);
    d.reset();
    expect(() => d.waitSync({})).toThrow(BrokenBarrierError);
  });

  it('an aborted signal rejects with its reason and breaks the round', async () => {
    const b = new Barrier(2);
    await expect(b.wait({ signal: AbortSignal.abort(new Error('early')) })).rejects.toThrow('early');
    expect(b.broken).toBe(false);
    expect(b.nWaiting).toBe(0);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(b.wait({ signal: controller.signal })).rejects.toThrow('stop');
    expect(b.broken).toBe(true);
    await expect(b.wait(-1)).rejects.toThrow(RangeError);
  });

  it('stress: 4 parties for 10,000 rounds', async () => {
    const b = new Barrier(4, {
      action: () => {
        const w = (globalThis as unknown as { words: Int32Array }).words;
        Atomics.add(w, 0, 1);
      },
    });
    const words = new Int32Array(new SharedArrayBuffer(8));
    const bad = await inThreads(4, async (a: Args, i) => {
      (globalThis as unknown as { words: Int32Array }).words = a.words;
      let wrong = 0;
      for (let round = 1; round <= 10_000; round++) {
        if (i < 3) a.b.waitSync();
        else await a.b.wait();
        // The action of this round ran before anyone was released, and the next round
        // cannot end before this thread arrives in it.
        const done = Atomics.load(a.words, 0);
        if (done !== round && done !== round + 1) wrong++;
      }
      return wrong;
    }, { b, words });
    expect(Atomics.load(words, 0)).toBe(10_000);
    expect(bad).toEqual([0, 0, 0, 0]);
    expect(b.broken).toBe(false);
  });

  it('a module action runs in waitSync too', async () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const b = new Barrier(2, { action: { module: new URL('./fixtures/action.mjs', import.meta.url), export: 'bump' } });
    const [x, y] = await Promise.all([
      start((a: Args) => {
        (globalThis as unknown as { words: Int32Array }).words = a.words;
        return a.b.waitSync(20_000);
      }, { b, words }).result,
      start(async (a: Args) => {
        (globalThis as unknown as { words: Int32Array }).words = a.words;
        return a.b.wait(20_000);
      }, { b, words }).result,
    ]);
    expect([x, y].sort()).toEqual([0, 1]);
    expect(Atomics.load(words, 0)).toBe(1);
  });

  it('a wait that times out while the last party runs a long action leaves on time (the round is passing: not broken)', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    // The action runs in the last party's thread, holding the barrier's lock until told to end.
    const barrier = new Barrier(3, { action: () => Atomics.wait((globalThis as unknown as { flag: Int32Array }).flag, 0, 0, 20_000) });
    const party = (a: { barrier: Barrier; flag: Int32Array }) => {
      (globalThis as unknown as { flag: Int32Array }).flag = a.flag;
      return a.barrier.waitSync();
    };
    const first = start(party, { barrier, flag });
    await until(() => barrier.nWaiting === 1);
    const begin = performance.now();
    const mine = barrier.wait(4000).catch((error: unknown) => error);
    await until(() => barrier.nWaiting === 2);
    const last = start(party, { barrier, flag });
    const outcome = await mine;
    expect(outcome).toBeInstanceOf(BrokenBarrierError);
    expect(performance.now() - begin).toBeLessThan(4000 + 1500);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    expect([await first.result, await last.result].sort()).toEqual([0, 2]);
    expect(barrier.broken).toBe(false);
  });
});
