import { describe, expect, it } from 'vitest';
import { Event } from '@conc/sync';
import { inThreads, internals, sleep, start, until } from './threads.js';

const WAITERS = 3;

describe('Event (lock_tests.py EventTests)', () => {
  it('is_set / set / clear', () => {
    const e = new Event();
    expect(e.isSet()).toBe(false);
    e.set();
    expect(e.isSet()).toBe(true);
    e.set();
    expect(e.isSet()).toBe(true);
    e.clear();
    expect(e.isSet()).toBe(false);
    e.clear();
    expect(e.isSet()).toBe(false);
  });

  it('set releases every waiting thread; later waits return at once', async () => {
    const e = new Event();
    const threads = inThreads(5, async (a: { e: Event }, i) => (i % 2 ? a.e.waitSync() : await a.e.wait()), { e });
    await until(() => Atomics.load(internals(e).i32, WAITERS) >= 5);
    e.set();
    expect(await threads).toEqual([true, true, true, true, true]);
    expect(await e.wait()).toBe(true);
    expect(e.waitSync(0)).toBe(true);
  });

  it('wait times out with false (lock_tests test_timeout)', async () => {
    const e = new Event();
    const t0 = performance.now();
    expect(await e.wait(60)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(59);
    const took = await start((a: { e: Event }) => {
      const s = performance.now();
      return a.e.waitSync({ timeout: 60 }) ? -1 : performance.now() - s;
    }, { e }).result;
    expect(took).toBeGreaterThanOrEqual(59);
    expect(e.waitSync({ blocking: false })).toBe(false);
    expect(Atomics.load(internals(e).i32, WAITERS)).toBe(0);
  });

  it('set() then clear() at once still wakes the threads that were waiting (test_set_and_clear)', async () => {
    const e = new Event();
    const threads = inThreads(4, async (a: { e: Event }, i) => (i % 2 ? a.e.waitSync(20_000) : await a.e.wait(20_000)), { e });
    await until(() => Atomics.load(internals(e).i32, WAITERS) >= 4);
    e.set();
    e.clear();
    expect(await threads).toEqual([true, true, true, true]);
    expect(e.isSet()).toBe(false);
  });

  it('rejects bad options and an aborted signal', async () => {
    const e = new Event();
    await expect(e.wait(-1)).rejects.toThrow(RangeError);
    expect(() => e.waitSync(Number.NaN)).toThrow(RangeError);
    await expect(e.wait({ blocking: false, timeout: 5 })).rejects.toThrow(RangeError);
    e.set();
    await expect(e.wait({ signal: AbortSignal.abort(new Error('gone')) })).rejects.toThrow('gone');
    e.clear();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('later')), 20);
    await expect(e.wait({ signal: controller.signal })).rejects.toThrow('later');
    expect(Atomics.load(internals(e).i32, WAITERS)).toBe(0);
  });

  it('tutorial: the traffic light (a light thread, three car threads)', async () => {
    const green = new Event();
    const done = new Event();
    const words = new Int32Array(new SharedArrayBuffer(16)); // [light is green, passes x3...]
    const light = start((a: { green: Event; done: Event; words: Int32Array }) => {
      const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      for (let cycle = 0; cycle < 4; cycle++) {
        Atomics.store(a.words, 0, 1);
        a.green.set(); // green: cars go
        pause(40);
        a.green.clear(); // red: cars stop
        Atomics.store(a.words, 0, 0);
        pause(40);
      }
      a.done.set();
      a.green.set();
    }, { green, done, words });
    const cars = inThreads(3, async (a: { green: Event; done: Event; words: Int32Array }, i) => {
      let redRuns = 0;
      while (!a.done.isSet()) {
        if (i === 0) a.green.waitSync();
        else await a.green.wait();
        if (a.done.isSet()) break;
        Atomics.add(a.words, 1 + i, 1);
        await new Promise((r) => setTimeout(r, 10));
        if (!a.green.isSet() && !a.done.isSet()) redRuns++;
      }
      return redRuns;
    }, { green, done, words });
    await light.result;
    await cars;
    for (let i = 1; i <= 3; i++) expect(Atomics.load(words, i)).toBeGreaterThanOrEqual(1);
  });

  it('tutorial: the door and the card swipe', async () => {
    // The door opens when a card is swiped and closes again after a while with no swipe.
    const swipe = new Event();
    const opened = new Event();
    const words = new Int32Array(new SharedArrayBuffer(12)); // [opens, people through, stop]
    const door = start((a: { swipe: Event; opened: Event; words: Int32Array }) => {
      while (Atomics.load(a.words, 2) === 0) {
        if (!a.swipe.waitSync(50)) continue;
        a.swipe.clear();
        Atomics.add(a.words, 0, 1);
        a.opened.set();
        // Stay open while people keep swiping, close 30 ms after the last swipe.
        while (a.swipe.waitSync(30)) a.swipe.clear();
        a.opened.clear();
      }
    }, { swipe, opened, words });
    const people = inThreads(3, async (a: { swipe: Event; opened: Event; words: Int32Array }, i) => {
      await new Promise((r) => setTimeout(r, 100 * i));
      a.swipe.set();
      if (!(await a.opened.wait(10_000))) return false;
      Atomics.add(a.words, 1, 1);
      return true;
    }, { swipe, opened, words });
    expect(await people).toEqual([true, true, true]);
    Atomics.store(words, 2, 1);
    await door.result;
    expect(Atomics.load(words, 1)).toBe(3);
    expect(Atomics.load(words, 0)).toBeGreaterThanOrEqual(1);
    expect(Atomics.load(words, 0)).toBeLessThanOrEqual(3);
  });

  it('a thread terminated while waiting does not stop set() from waking the others', async () => {
    const e = new Event();
    const ghost = start((a: { e: Event }) => a.e.waitSync(), { e });
    await until(() => Atomics.load(internals(e).i32, WAITERS) === 1);
    await ghost.worker.terminate();
    ghost.result.catch(() => {});
    const live = inThreads(2, async (a: { e: Event }, i) => (i ? a.e.waitSync(20_000) : await a.e.wait(20_000)), { e });
    await sleep(100);
    e.set();
    expect(await live).toEqual([true, true]);
  });
});
