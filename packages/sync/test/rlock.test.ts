import { describe, expect, it } from 'vitest';
import { RLock, StateError } from '@conc/sync';
import { inThreads, start, until } from './threads.js';

describe('RLock (lock_tests.py RLockTests)', () => {
  it('is re-entrant for its owner', async () => {
    const lock = new RLock();
    expect(lock.acquireSync()).toBe(true);
    expect(await lock.acquire()).toBe(true);
    expect(lock.acquireSync({ blocking: false })).toBe(true);
    lock.release();
    lock.release();
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
  });

  it('release when unheld is a StateError', () => {
    const lock = new RLock();
    expect(() => lock.release()).toThrow(StateError);
    lock.acquireSync();
    lock.release();
    expect(() => lock.release()).toThrow(/un-acquired/);
  });

  it('release by another thread is a StateError and leaves it held', async () => {
    const lock = new RLock();
    lock.acquireSync();
    const message = await start((a: { lock: RLock }) => {
      try {
        a.lock.release();
        return 'released';
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    }, { lock }).result;
    expect(message).toMatch(/^StateError: .*another thread/);
    expect(lock.locked()).toBe(true);
    expect(await start((a: { lock: RLock }) => a.lock.acquireSync({ blocking: false }), { lock }).result).toBe(false);
    lock.release();
    expect(await start((a: { lock: RLock }) => {
      const got = a.lock.acquireSync({ blocking: false });
      a.lock.release();
      return got;
    }, { lock }).result).toBe(true);
  });

  it('times out in another thread while held here', async () => {
    const lock = new RLock();
    await lock.acquire();
    const took = await start(async (a: { lock: RLock }) => {
      const t0 = performance.now();
      const got = await a.lock.acquire(80);
      return got ? -1 : performance.now() - t0;
    }, { lock }).result;
    expect(took).toBeGreaterThanOrEqual(79);
    lock.release();
  });

  it('tutorial: run3 holds it and calls run1 and run2 (each acquiring it), from 10 threads', async () => {
    const lock = new RLock();
    const shared = new Int32Array(new SharedArrayBuffer(12));
    await inThreads(10, (a: { lock: RLock; shared: Int32Array }) => {
      const { lock, shared } = a;
      const run1 = (): void => {
        lock.acquireSync();
        try {
          shared[0] = shared[0]! + 1;
        } finally {
          lock.release();
        }
      };
      const run2 = (): void => {
        lock.acquireSync();
        try {
          shared[1] = shared[1]! + 1;
        } finally {
          lock.release();
        }
      };
      const run3 = (): void => {
        lock.acquireSync();
        try {
          for (let i = 0; i < 1000; i++) {
            run1();
            run2();
            // Both counters move together only if no other thread gets in between.
            if (shared[0] !== shared[1]) shared[2] = 1;
          }
        } finally {
          lock.release();
        }
      };
      run3();
    }, { lock, shared });
    expect([...shared]).toEqual([10_000, 10_000, 0]);
    expect(lock.locked()).toBe(false);
  });

  it('an aborted acquire holds nothing', async () => {
    const lock = new RLock();
    const t = start((a: { lock: RLock }) => {
      a.lock.acquireSync();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
      a.lock.release();
    }, { lock });
    await until(() => lock.locked());
    await expect(lock.acquire({ signal: AbortSignal.timeout(20) })).rejects.toThrow();
    await t.result;
    expect(lock.locked()).toBe(false);
    expect(() => lock.release()).toThrow(StateError);
  });
});
