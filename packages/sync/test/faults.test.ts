import { describe, expect, it } from 'vitest';
import { Condition, Lock, Semaphore } from '@conc/sync';
import { inThreads, internals, sleep, start, until } from './threads.js';

const WAITING = 2; // Condition: waiters not yet notified
const TOKENS = 3; // Condition: notifications not yet taken

describe('faults', () => {
  it('a thread terminated while blocked on a Lock does not keep the others from it', async () => {
    const lock = new Lock();
    lock.acquireSync();
    const ghost = start((a: { lock: Lock }) => a.lock.acquireSync(), { lock });
    await sleep(200);
    await ghost.worker.terminate();
    ghost.result.catch(() => {});
    const waiter = start(async (a: { lock: Lock }) => {
      const got = await a.lock.acquire(20_000);
      a.lock.release();
      return got;
    }, { lock });
    await sleep(100);
    lock.release();
    expect(await waiter.result).toBe(true);
    expect(lock.locked()).toBe(false);
  });

  it('Condition: waits that time out or abort while others notify lose nothing and leave nothing counted', async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    const words = new Int32Array(new SharedArrayBuffer(16)); // [notified, timedOut, aborted, stop]
    const waiters = inThreads(4, async (a: { cond: Condition; words: Int32Array }, i) => {
      let n = 0;
      while (Atomics.load(a.words, 3) === 0) {
        await a.cond.acquire();
        try {
          const timeout = 1 + ((n++ * 7 + i) % 5);
          if (i === 3 && n % 3 === 0) {
            try {
              if (await a.cond.wait({ signal: AbortSignal.timeout(timeout) })) Atomics.add(a.words, 0, 1);
            } catch {
              Atomics.add(a.words, 2, 1);
            }
          } else if ((i % 2 ? a.cond.waitSync(timeout) : await a.cond.wait(timeout))) Atomics.add(a.words, 0, 1);
          else Atomics.add(a.words, 1, 1);
        } finally {
          a.cond.release();
        }
      }
    }, { cond, words });
    const end = Date.now() + 1500;
    while (Date.now() < end) {
      await cond.with(() => cond.notify(1 + (Date.now() % 3)));
      await sleep(1);
    }
    Atomics.store(words, 3, 1);
    await cond.with(() => cond.notifyAll());
    await waiters;
    const { i32 } = internals(cond);
    // Every waiter registered was either notified and took its notification, or left the count.
    expect([Atomics.load(i32, WAITING), Atomics.load(i32, TOKENS)]).toEqual([0, 0]);
    expect(Atomics.load(words, 0)).toBeGreaterThan(0);
    expect(Atomics.load(words, 1)).toBeGreaterThan(0);
    expect(lock.locked()).toBe(false);
  });

  it('Semaphore: acquires that time out or abort while others release take no permit', async () => {
    const sem = new Semaphore(0);
    const words = new Int32Array(new SharedArrayBuffer(16)); // [taken, released, stop]
    const takers = inThreads(4, async (a: { sem: Semaphore; words: Int32Array }, i) => {
      let n = 0;
      while (Atomics.load(a.words, 2) === 0) {
        const timeout = 1 + ((n++ * 5 + i) % 4);
        let got: boolean;
        if (i === 3 && n % 2 === 0) {
          try {
            got = await a.sem.acquire({ signal: AbortSignal.timeout(timeout) });
          } catch {
            got = false;
          }
        } else got = i % 2 ? a.sem.acquireSync(timeout) : await a.sem.acquire(timeout);
        if (got) Atomics.add(a.words, 0, 1);
      }
    }, { sem, words });
    const end = Date.now() + 1500;
    let released = 0;
    while (Date.now() < end) {
      const n = 1 + (Date.now() % 2);
      sem.release(n);
      released += n;
      await sleep(1);
    }
    Atomics.store(words, 2, 1);
    await takers;
    expect(Atomics.load(words, 0) + sem.value).toBe(released);
    await until(() => Atomics.load(internals(sem).i32, 3) === 0, 5000, 'no waiter counted');
  });
});
