import { describe, expect, it } from 'vitest';
import { Condition, Lock, RLock, StateError, Value } from '@conc/sync';
import { inThreads, internals, sleep, start, until } from './threads.js';

interface Shared {
  cond: Condition;
  words: Int32Array;
}

describe('Condition (lock_tests.py ConditionTests)', () => {
  it('defaults to an RLock and can be made over a given Lock or RLock', async () => {
    const c = new Condition();
    expect(await c.acquire()).toBe(true);
    expect(c.acquireSync()).toBe(true); // re-entrant: an RLock
    c.release();
    c.release();
    const lock = new Lock();
    const c2 = new Condition(lock);
    await c2.acquire();
    expect(lock.locked()).toBe(true);
    c2.release();
    expect(lock.locked()).toBe(false);
    expect(() => new Condition({} as never)).toThrow(TypeError);
    expect(() => new Condition(new RLock())).not.toThrow();
  });

  it('wait and notify without holding the lock are StateErrors', async () => {
    const c = new Condition();
    await expect(c.wait()).rejects.toThrow(StateError);
    expect(() => c.waitSync()).toThrow(StateError);
    expect(() => c.notify()).toThrow(StateError);
    expect(() => c.notifyAll()).toThrow(StateError);
    await expect(c.waitFor(() => true)).rejects.toThrow(StateError);
    // An RLock held by another thread does not count as held here.
    const owned = await start((a: { c: Condition }) => {
      a.c.acquireSync();
      return true;
    }, { c }).result;
    expect(owned).toBe(true);
    expect(() => c.notify()).toThrow(StateError);
  });

  it('wait times out, returns false and holds the lock again', async () => {
    const c = new Condition();
    await c.acquire();
    const t0 = performance.now();
    expect(await c.wait(50)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(49);
    expect(c.waitSync(30)).toBe(false);
    c.release(); // still held: this would throw otherwise
    expect(internals(c).lock.locked()).toBe(false);
  });

  it('notify(n) wakes exactly n waiters, notifyAll the rest (_check_notify)', async () => {
    const cond = new Condition(new Lock());
    const words = new Int32Array(new SharedArrayBuffer(16)); // [ready, woken, phase]
    const workers = inThreads(5, async (a: Shared, i) => {
      await a.cond.acquire();
      Atomics.add(a.words, 0, 1);
      const ok = i % 2 ? a.cond.waitSync() : await a.cond.wait();
      Atomics.add(a.words, 1, 1);
      a.cond.release();
      return ok;
    }, { cond, words });
    // Every waiter counted means every waiter is inside wait(): count them under the lock.
    const waiting = async (): Promise<number> => cond.with(() => Atomics.load(words, 0));
    while ((await waiting()) < 5) await sleep(5);
    await sleep(50);
    expect(Atomics.load(words, 1)).toBe(0);
    await cond.with(() => cond.notify());
    await until(() => Atomics.load(words, 1) === 1);
    await sleep(100);
    expect(Atomics.load(words, 1)).toBe(1);
    await cond.with(() => cond.notify(3));
    await until(() => Atomics.load(words, 1) === 4);
    await sleep(100);
    expect(Atomics.load(words, 1)).toBe(4);
    await cond.with(() => cond.notifyAll());
    expect(await workers).toEqual([true, true, true, true, true]);
    // No notification left over: a new waiter times out.
    await cond.acquire();
    expect(await cond.wait(30)).toBe(false);
    cond.release();
  });

  it('notify with nobody waiting does nothing and is cheap; bad n is a RangeError', async () => {
    const c = new Condition();
    await c.with(() => {
      c.notify();
      c.notify(0);
      c.notifyAll();
      expect(() => c.notify(-1)).toThrow(RangeError);
      expect(() => c.notify(1.5)).toThrow(RangeError);
    });
    await c.acquire();
    expect(await c.wait(20)).toBe(false); // earlier notifies were not stored
    c.release();
  });

  it('waitFor checks the predicate first, then after each notify; waitFor timeout', async () => {
    const cond = new Condition();
    const words = new Int32Array(new SharedArrayBuffer(8));
    const t = start((a: Shared) => {
      a.cond.acquireSync();
      const ok = a.cond.waitForSync(() => Atomics.load(a.words, 0) === 5);
      const seen = Atomics.load(a.words, 0);
      a.cond.release();
      return { ok, seen };
    }, { cond, words });
    for (let i = 0; i < 5; i++) {
      await sleep(10);
      await cond.with(() => {
        Atomics.add(words, 0, 1);
        cond.notify();
      });
    }
    expect(await t.result).toEqual({ ok: true, seen: 5 });
    await cond.acquire();
    const t0 = performance.now();
    expect(await cond.waitFor(() => false, 60)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(59);
    expect(await cond.waitFor(() => true, 0)).toBe(true);
    expect(cond.waitForSync(() => 0, 10)).toBe(false);
    await expect(cond.waitFor('x' as never)).rejects.toThrow(TypeError);
    expect(() => cond.waitForSync(null as never)).toThrow(/predicate must be a function/);
    cond.release();
  });

  it('an aborted wait rejects with the reason, holds the lock again and counts no waiter', async () => {
    const cond = new Condition(new Lock());
    await cond.acquire();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(cond.wait({ signal: controller.signal })).rejects.toThrow('stop');
    expect(internals(cond).lock.locked()).toBe(true);
    expect(Atomics.load(internals(cond).i32, 2)).toBe(0);
    await expect(cond.wait({ signal: AbortSignal.abort(new Error('already')) })).rejects.toThrow('already');
    expect(Atomics.load(internals(cond).i32, 2)).toBe(0);
    cond.release();
  });

  it('wait restores an RLock acquired several times', async () => {
    const cond = new Condition();
    cond.acquireSync();
    cond.acquireSync();
    const t = start((a: { cond: Condition }) => {
      a.cond.acquireSync();
      a.cond.notify();
      a.cond.release();
    }, { cond });
    expect(await cond.wait(20_000)).toBe(true);
    await t.result;
    cond.release();
    expect(internals(cond).lock.locked()).toBe(true);
    cond.release();
    expect(internals(cond).lock.locked()).toBe(false);
  });

  it('a thread terminated while waiting does not stop the others from being woken', async () => {
    const cond = new Condition(new Lock());
    const words = new Int32Array(new SharedArrayBuffer(8));
    const victims = [0, 1].map((i) =>
      start(async (a: Shared, index) => {
        await a.cond.acquire();
        Atomics.add(a.words, 0, 1);
        if (index === 0) a.cond.waitSync();
        else await a.cond.wait();
      }, { cond, words }, i),
    );
    await until(() => Atomics.load(words, 0) === 2);
    await cond.with(() => undefined); // both are inside wait() once the lock is free
    for (const v of victims) {
      await v.worker.terminate();
      v.result.catch(() => {});
    }
    for (let round = 0; round < 3; round++) {
      const survivors = inThreads(2, async (a: Shared, i) => {
        await a.cond.acquire();
        Atomics.add(a.words, 1, 1);
        const ok = i ? a.cond.waitSync(20_000) : await a.cond.wait(20_000);
        a.cond.release();
        return ok;
      }, { cond, words });
      await until(() => Atomics.load(words, 1) === 2 * (round + 1));
      await cond.with(() => undefined);
      // notify(1) twice, not notifyAll: the ghosts must not absorb the wake-ups.
      await cond.with(() => cond.notify());
      await sleep(5);
      await cond.with(() => cond.notify());
      expect(await survivors).toEqual([true, true]);
    }
  });

  it('stress: 4 producers and 4 consumers pass 100k items through a bounded buffer', async () => {
    const lock = new Lock();
    const notEmpty = new Condition(lock);
    const notFull = new Condition(lock);
    // [count, head, tail, consumedSum(lo), consumed] + a 16-slot ring
    const state = new Int32Array(new SharedArrayBuffer(4 * (8 + 16)));
    const PER = 25_000;
    const results = await inThreads(8, async (a: { lock: Lock; notEmpty: Condition; notFull: Condition; state: Int32Array }, i) => {
      const { notEmpty, notFull, state } = a;
      const RING = 8;
      if (i < 4) {
        for (let n = 0; n < 25_000; n++) {
          if (i % 2) notFull.acquireSync();
          else await notFull.acquire();
          while (state[0] === 16) {
            if (i % 2) notFull.waitSync();
            else await notFull.wait();
          }
          state[RING + state[2]!] = i * 25_000 + n;
          state[2] = (state[2]! + 1) % 16;
          state[0] = state[0]! + 1;
          notEmpty.notify();
          notFull.release();
        }
        return 0;
      }
      let sum = 0;
      let got = 0;
      for (;;) {
        if (i % 2) notEmpty.acquireSync();
        else await notEmpty.acquire();
        while (state[0] === 0 && state[4]! < 100_000) {
          if (i % 2) notEmpty.waitSync();
          else await notEmpty.wait();
        }
        if (state[0] === 0) {
          notEmpty.release();
          return [sum, got];
        }
        sum += state[RING + state[1]!]!;
        state[1] = (state[1]! + 1) % 16;
        state[0] = state[0]! - 1;
        got++;
        state[4] = state[4]! + 1;
        if (state[4] === 100_000) notEmpty.notifyAll();
        notFull.notify();
        notEmpty.release();
      }
    }, { lock, notEmpty, notFull, state });
    const consumers = results.slice(4) as unknown as [number, number][];
    expect(consumers.reduce((s, [, g]) => s + g, 0)).toBe(4 * PER);
    const expected = ((4 * PER - 1) * 4 * PER) / 2;
    expect(consumers.reduce((s, [sum]) => s + sum, 0)).toBe(expected);
    expect(Atomics.load(internals(notEmpty).i32, 2)).toBe(0);
    expect(Atomics.load(internals(notFull).i32, 2)).toBe(0);
    expect(lock.locked()).toBe(false);
  });
});

describe('Condition: timed waits racing notifies (regression)', () => {
  it('a timed wait that times out as it is notified loses no notification: untimed waiters still all wake', async () => {
    // Two consumers wait with 1 ms timeouts, two without; the producer notifies once per item.
    // A timed waiter that took a notification and still reported a timeout used to leave an
    // untimed waiter asleep forever, uncounted, so the final notifyAll missed it.
    const lock = new Lock();
    const cond = new Condition(lock);
    const items = new Value('i32', 0);
    const consumed = new Value('i32', 0);
    const done = new Value('i32', 0);
    const total = 20_000;
    const consumers = Array.from({ length: 4 }, (_, i) =>
      start(
        (a: { cond: Condition; items: Value<'i32'>; consumed: Value<'i32'>; done: Value<'i32'> }, index: number) => {
          let mine = 0;
          a.cond.acquireSync();
          for (;;) {
            while (a.items.value === 0 && a.done.value === 0) {
              if (index % 2) a.cond.waitSync(1);
              else a.cond.waitSync();
            }
            if (a.items.value === 0) break;
            a.items.value -= 1;
            a.consumed.value += 1;
            mine += 1;
          }
          a.cond.release();
          return mine;
        },
        { cond, items, consumed, done },
        i,
      ),
    );
    for (let i = 0; i < total; i++) {
      lock.acquireSync();
      items.value += 1;
      cond.notify();
      lock.release();
      if (i % 64 === 0) await sleep(0);
    }
    await until(() => consumed.value === total, 60_000, 'every item consumed');
    lock.acquireSync();
    done.value = 1;
    cond.notifyAll();
    lock.release();
    const counts = await Promise.all(consumers.map((c) => c.result));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(total);
    expect(internals(cond).i32[2]).toBe(0);
  });
});
