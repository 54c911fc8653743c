import { describe, expect, it } from 'vitest';
import { BoundedSemaphore, Semaphore, StateError, TimeoutError } from '@conc/sync';
import { inThreads, internals, sleep, start, until } from './threads.js';

const WAITERS = 3; // the semaphore's waiter-count word

describe('Semaphore (lock_tests.py SemaphoreTests)', () => {
  it('validates its value', () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(-1)).toThrow(/value must be an integer >= 0/);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new Semaphore('2' as never)).toThrow(TypeError);
    expect(() => new BoundedSemaphore(-1)).toThrow(/BoundedSemaphore: value/);
    expect(new Semaphore().value).toBe(1);
    expect(new Semaphore(0).value).toBe(0);
  });

  it('acquires and releases; release(n) validates n', async () => {
    const sem = new Semaphore(2);
    expect(await sem.acquire()).toBe(true);
    expect(sem.acquireSync()).toBe(true);
    expect(sem.value).toBe(0);
    expect(sem.acquireSync({ blocking: false })).toBe(false);
    expect(await sem.acquire(0)).toBe(false);
    sem.release(2);
    expect(sem.value).toBe(2);
    expect(() => sem.release(0)).toThrow(RangeError);
    expect(() => sem.release(-1)).toThrow(/n must be an integer >= 1/);
    expect(() => sem.release(1.5)).toThrow(RangeError);
    expect(sem.value).toBe(2);
    await expect(sem.acquire(-1)).rejects.toThrow(RangeError);
  });

  it('a plain Semaphore may be released without an acquire (test_release_unacquired)', () => {
    const sem = new Semaphore(0);
    sem.release();
    sem.release(3);
    expect(sem.value).toBe(4);
  });

  it('try-acquire in other threads while the permits are taken (test_try_acquire_contended)', async () => {
    const sem = new Semaphore(4);
    for (let i = 0; i < 4; i++) expect(sem.acquireSync({ blocking: false })).toBe(true);
    const tries = await inThreads(3, (a: { sem: Semaphore }) => a.sem.acquireSync({ blocking: false }), { sem });
    expect(tries).toEqual([false, false, false]);
    sem.release();
    expect(await start((a: { sem: Semaphore }) => a.sem.acquireSync({ blocking: false }), { sem }).result).toBe(true);
    expect(sem.value).toBe(0);
  });

  it('contended acquire: waiters in other threads proceed one per release', async () => {
    const sem = new Semaphore(0);
    const passed = new Int32Array(new SharedArrayBuffer(4));
    const threads = inThreads(6, async (a: { sem: Semaphore; passed: Int32Array }, i) => {
      if (i % 2) a.sem.acquireSync();
      else await a.sem.acquire();
      Atomics.add(a.passed, 0, 1);
    }, { sem, passed });
    await until(() => Atomics.load(internals(sem).i32, WAITERS) === 6);
    sem.release();
    await until(() => Atomics.load(passed, 0) === 1);
    await sleep(50);
    expect(Atomics.load(passed, 0)).toBe(1);
    sem.release(2);
    await until(() => Atomics.load(passed, 0) === 3);
    await sleep(50);
    expect(Atomics.load(passed, 0)).toBe(3);
    sem.release(3);
    await threads;
    expect(sem.value).toBe(0);
  });

  it('a timed-out or aborted acquire takes no permit and leaves no waiter counted', async () => {
    const sem = new Semaphore(0);
    const [took] = await inThreads(1, (a: { sem: Semaphore }) => {
      const t0 = performance.now();
      return a.sem.acquireSync(80) ? -1 : performance.now() - t0;
    }, { sem });
    expect(took).toBeGreaterThanOrEqual(79);
    const t0 = performance.now();
    expect(await sem.acquire(50)).toBe(false);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(49);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await expect(sem.acquire({ signal: controller.signal })).rejects.toThrow('stop');
    await expect(sem.acquire({ signal: AbortSignal.abort() })).rejects.toThrow();
    expect(sem.value).toBe(0);
    expect(Atomics.load(internals(sem).i32, WAITERS)).toBe(0);
    sem.release();
    expect(await sem.acquire(1000)).toBe(true);
  });

  it('with() and guard() give the permit back', async () => {
    const sem = new Semaphore(1);
    expect(await sem.with(() => sem.value)).toBe(0);
    expect(sem.value).toBe(1);
    {
      using _g = await sem.guard();
      expect(sem.value).toBe(0);
      await expect(sem.with(() => 1, 10)).rejects.toThrow(TimeoutError);
    }
    expect(sem.value).toBe(1);
  });

  it('a thread terminated while waiting does not stop the others from being woken', async () => {
    const sem = new Semaphore(0);
    const ghosts = [0, 1].map((i) => start(async (a: { sem: Semaphore }, index) => {
      if (index) await a.sem.acquire();
      else a.sem.acquireSync();
    }, { sem }, i));
    await until(() => Atomics.load(internals(sem).i32, WAITERS) === 2);
    for (const g of ghosts) {
      await g.worker.terminate();
      g.result.catch(() => {});
    }
    for (let round = 0; round < 3; round++) {
      const live = inThreads(2, async (a: { sem: Semaphore }, i) => (i ? a.sem.acquireSync(20_000) : await a.sem.acquire(20_000)), { sem });
      await sleep(100);
      sem.release();
      await sleep(5);
      sem.release();
      expect(await live).toEqual([true, true]);
    }
    expect(sem.value).toBe(0);
  });
});

describe('BoundedSemaphore', () => {
  it('a release above the initial value is a StateError and changes nothing', async () => {
    const sem = new BoundedSemaphore(3);
    expect(() => sem.release()).toThrow(StateError);
    expect(() => sem.release()).toThrow(/released too many times/);
    await sem.acquire();
    await sem.acquire();
    expect(() => sem.release(3)).toThrow(StateError);
    expect(sem.value).toBe(1);
    sem.release(2);
    expect(sem.value).toBe(3);
    // The bound crosses threads with it.
    const message = await start((a: { sem: BoundedSemaphore }) => {
      try {
        a.sem.release();
        return 'released';
      } catch (e) {
        return (e as Error).name;
      }
    }, { sem }).result;
    expect(message).toBe('StateError');
  });

  it('tutorial: BoundedSemaphore(5) with 20 threads, never more than 5 inside', async () => {
    const sem = new BoundedSemaphore(5);
    const words = new Int32Array(new SharedArrayBuffer(8)); // [inside, max]
    await inThreads(20, async (a: { sem: BoundedSemaphore; words: Int32Array }, i) => {
      for (let n = 0; n < 20; n++) {
        if (i % 2) a.sem.acquireSync();
        else await a.sem.acquire();
        const inside = Atomics.add(a.words, 0, 1) + 1;
        for (;;) {
          const max = Atomics.load(a.words, 1);
          if (inside <= max || Atomics.compareExchange(a.words, 1, max, inside) === max) break;
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        Atomics.sub(a.words, 0, 1);
        a.sem.release();
      }
    }, { sem, words });
    expect(Atomics.load(words, 1)).toBeLessThanOrEqual(5);
    expect(Atomics.load(words, 1)).toBeGreaterThanOrEqual(1);
    expect(Atomics.load(words, 0)).toBe(0);
    expect(sem.value).toBe(5);
  });
});
