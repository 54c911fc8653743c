import { describe, expect, it } from 'vitest';
import { BrokenBarrierError } from '@conc/core';
import { Barrier, Condition, Event, Lock } from '@conc/sync';
import { Process, Thread } from '@conc/process';
import { abandonedDuring, sleep, SLACK_MS, timed } from '@conc/test-kit';

/**
 * Chaos rounds with real child processes and threads, killed (SIGKILL) or ended at random
 * moments of their Lock, Condition and Barrier traffic: the survivors' calls return within
 * their timeouts, the locks come back, a barrier a dead party waited at is broken. A child's
 * operations run in this process's broker, which releases what a dead child held; a thread is
 * marked gone by its parent (`Thread`), and a waiter takes its locks over: one rule for both.
 */


/** A thread's target: waits at the barrier, and sets `broke` when that fails with BrokenBarrierError. */
function waitAndReport(b: Barrier, broke: Event): void {
  try {
    b.waitSync();
  } catch (error) {
    if ((error as Error).name === 'BrokenBarrierError') broke.set();
  }
}

describe('chaos: processes and threads dying during Lock, Condition and Barrier traffic', () => {
  it('Lock: 10 rounds of a child process killed mid-traffic; the lock comes back within the timeout', async () => {
    const events = await abandonedDuring(async () => {
      for (let round = 0; round < 10; round++) {
        const lock = new Lock();
        const going = new Event();
        const child = new Process({
          target: async (l: Lock, g: Event) => {
            g.set();
            for (;;) {
              l.acquireSync();
              l.release();
            }
          },
          args: [lock, going],
        });
        child.start();
        expect(await going.wait(30_000)).toBe(true);
        await sleep(Math.random() * 30);
        child.kill();
        await child.join();
        expect(await timed(1000, () => lock.acquire({ timeout: 1000 }))).toBe(true);
        lock.release();
      }
    });
    // Every lock a dead child held was reported, naming the child's thread.
    for (const event of events) expect(event).toMatchObject({ kind: 'Lock', reason: 'process ended', holder: expect.any(Number) });
  });

  it('Lock: 15 rounds of a thread that ends (or throws) holding it; a waiter takes it over, traced', async () => {
    const events = await abandonedDuring(async () => {
      for (let round = 0; round < 15; round++) {
        const lock = new Lock();
        const t = new Thread({
          target: (l: Lock, fail: boolean) => {
            l.acquireSync();
            if (fail) throw new Error('failed holding the lock');
          },
          args: [lock, round % 2 === 1],
        });
        t.start();
        const until = Date.now() + 30_000;
        while (!lock.locked() && Date.now() < until) await sleep(1);
        // A waiter that started before the holder ended gets it once the holder is gone.
        const got = timed(5000, () => lock.acquire({ timeout: 5000 }));
        await t.join();
        expect(await got).toBe(true);
        lock.release();
      }
    });
    expect(events.filter((e) => e['kind'] === 'Lock')).toHaveLength(15);
  });

  it('Condition: 8 rounds of a child killed while waiting or notifying; the parent waits and notifies on time', async () => {
    for (let round = 0; round < 8; round++) {
      const cond = new Condition(new Lock());
      const going = new Event();
      const child = new Process({
        target: async (c: Condition, g: Event) => {
          g.set();
          for (let n = 0; ; n++) {
            await c.acquire();
            if (n % 2) c.notifyAll();
            else await c.wait(2);
            c.release();
          }
        },
        args: [cond, going],
      });
      child.start();
      expect(await going.wait(30_000)).toBe(true);
      await sleep(Math.random() * 30);
      child.kill();
      await child.join();
      expect(await timed(1000, () => cond.acquire({ timeout: 1000 }))).toBe(true);
      cond.notifyAll();
      await timed(50, () => cond.wait(50));
      cond.release();
    }
  });

  it('Barrier: 8 rounds of a child process killed while it waits; the others get BrokenBarrierError', async () => {
    for (let round = 0; round < 8; round++) {
      const barrier = new Barrier(3);
      const child = new Process({ target: async (b: Barrier) => b.waitSync(), args: [barrier] });
      const broke = new Event();
      const t = new Thread({ target: waitAndReport, args: [barrier, broke] });
      child.start();
      t.start();
      const until = Date.now() + 30_000;
      while (barrier.nWaiting < 2 && Date.now() < until) await sleep(2);
      child.kill();
      await child.join();
      const killed = performance.now();
      while (!barrier.broken && performance.now() - killed < 5000) await sleep(2);
      expect(performance.now() - killed).toBeLessThan(SLACK_MS);
      await t.join();
      expect(broke.isSet()).toBe(true);
      await expect(timed(1000, () => barrier.wait(1000))).rejects.toBeInstanceOf(BrokenBarrierError);
    }
  });

  it('Barrier: 8 rounds of a thread that dies while it waits (process.exit in a callback); the others get BrokenBarrierError', async () => {
    for (let round = 0; round < 8; round++) {
      const barrier = new Barrier(3);
      const dying = new Thread({
        target: (b: Barrier, ms: number) => {
          setTimeout(() => process.exit(3), ms).unref?.();
          return b.wait();
        },
        args: [barrier, 20 + Math.random() * 30],
      });
      const broke = new Event();
      const other = new Thread({ target: waitAndReport, args: [barrier, broke] });
      dying.start();
      other.start();
      await dying.join();
      const ended = performance.now();
      while (!barrier.broken && performance.now() - ended < 5000) await sleep(2);
      expect(performance.now() - ended).toBeLessThan(SLACK_MS);
      await other.join();
      expect(broke.isSet()).toBe(true);
    }
  });
});
