import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BrokenBarrierError, Manager, StateError, TimeoutError } from '@conc/manager';
import { exited, startClient } from './helpers.js';

let manager: Manager;
beforeAll(async () => {
  manager = await Manager.start();
});
afterAll(async () => {
  await manager.shutdown();
});

describe('lock and rlock (CPython lock_tests)', () => {
  test('acquire, timeout, non-blocking, release of an unheld lock', async () => {
    const lock = await manager.lock();
    expect(await lock.acquire()).toBe(true);
    expect(await lock.locked()).toBe(true);
    expect(await lock.acquire({ blocking: false })).toBe(false);
    const started = performance.now();
    expect(await lock.acquire(100)).toBe(false);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    await lock.release();
    await expect(lock.release()).rejects.toThrow(StateError);
    await expect(lock.acquire(-1)).rejects.toThrow(RangeError);
    await expect(lock.acquire({ blocking: false, timeout: 5 })).rejects.toThrow(RangeError);
    expect(await lock.locked()).toBe(false);
  });

  test('a waiter gets the lock when it is released', async () => {
    const lock = await manager.lock();
    await lock.acquire();
    const waiting = lock.acquire(30_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await lock.release();
    expect(await waiting).toBe(true);
    expect(await lock.locked()).toBe(true);
    await lock.release();
  });

  test('abort: rejects with the reason and takes nothing', async () => {
    const lock = await manager.lock();
    await lock.acquire();
    const controller = new AbortController();
    const waiting = lock.acquire({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(waiting).rejects.toThrow('stop');
    await lock.release();
    expect(await lock.locked()).toBe(false);
    // Already aborted: rejects at once even when free.
    await expect(lock.acquire({ signal: AbortSignal.abort(new Error('early')) })).rejects.toThrow('early');
    expect(await lock.locked()).toBe(false);
  });

  test('with and guard always release', async () => {
    const lock = await manager.lock();
    await expect(lock.with(() => { throw new Error('inside'); })).rejects.toThrow('inside');
    expect(await lock.locked()).toBe(false);
    expect(await lock.with(async () => 42)).toBe(42);
    {
      await using _guard = await lock.guard();
      expect(await lock.locked()).toBe(true);
      await expect(lock.guard(0)).rejects.toThrow(TimeoutError);
    }
    expect(await lock.locked()).toBe(false);
  });

  test('rlock is re-entrant and owned by its thread', async () => {
    const rlock = await manager.rlock();
    expect(await rlock.acquire()).toBe(true);
    expect(await rlock.acquire()).toBe(true);
    await rlock.release();
    expect(await rlock.locked()).toBe(true);
    await rlock.release();
    expect(await rlock.locked()).toBe(false);
    await expect(rlock.release()).rejects.toThrow(StateError);
  });
});

describe('semaphores, event, condition, barrier', () => {
  test('semaphore counts; bounded refuses over-release', async () => {
    const sem = await manager.semaphore(2);
    expect(await sem.acquire()).toBe(true);
    expect(await sem.acquire()).toBe(true);
    expect(await sem.acquire(0)).toBe(false);
    expect(await sem.value()).toBe(0);
    await sem.release(2);
    expect(await sem.value()).toBe(2);
    await expect(sem.release(0)).rejects.toThrow(RangeError);
    await expect(manager.semaphore(-1)).rejects.toThrow(RangeError);
    const bounded = await manager.boundedSemaphore(1);
    await expect(bounded.release()).rejects.toThrow(StateError);
    await bounded.acquire();
    await bounded.release();
    expect(await bounded.value()).toBe(1);
  });

  test('event wakes every waiter (CPython test_event)', async () => {
    const event = await manager.event();
    expect(await event.isSet()).toBe(false);
    expect(await event.wait(20)).toBe(false);
    const waiters = Array.from({ length: 5 }, () => event.wait(30_000));
    await event.set();
    expect(await Promise.all(waiters)).toEqual([true, true, true, true, true]);
    expect(await event.wait(0)).toBe(true);
    await event.clear();
    expect(await event.isSet()).toBe(false);
  });

  test('condition: notify(n) wakes n, wait re-holds the lock, StateError without it', async () => {
    const cond = await manager.condition();
    await expect(cond.wait(10)).rejects.toThrow(StateError);
    await expect(cond.notify()).rejects.toThrow(StateError);
    {
      // Several waiters from this one thread: over a plain Lock, as an RLock would see one owner.
      const lock = await manager.lock();
      const c = await manager.condition(lock);
      const results: boolean[] = [];
      const waiters = Array.from({ length: 3 }, async () => {
        await c.acquire();
        const woke = await c.wait(30_000);
        results.push(woke);
        await c.release();
      });
      while ((await c.acquire(0)) === false) await new Promise((r) => setTimeout(r, 5));
      await c.release();
      await new Promise((r) => setTimeout(r, 100));
      await c.acquire();
      await c.notify(2);
      await c.release();
      await new Promise((r) => setTimeout(r, 100));
      expect(results).toEqual([true, true]);
      await c.acquire();
      await c.notifyAll();
      await c.release();
      await Promise.all(waiters);
      expect(results).toEqual([true, true, true]);
      // Timeout: false, and the lock is held again.
      await c.acquire();
      expect(await c.wait(20)).toBe(false);
      expect(await lock.locked()).toBe(true);
      await c.release();
    }
  });

  test('condition.wait aborted: rejects with the reason and holds the lock again', async () => {
    const lock = await manager.lock();
    const cond = await manager.condition(lock);
    await cond.acquire();
    const controller = new AbortController();
    const waiting = cond.wait({ signal: controller.signal });
    // While it waits, the lock is free.
    while (await lock.locked()) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('give up'));
    await expect(waiting).rejects.toThrow('give up');
    expect(await lock.locked()).toBe(true);
    await cond.release();
    expect(await lock.locked()).toBe(false);
  });

  test('a put aborted while the queue is full puts nothing', async () => {
    const q = await manager.queue<number>(1);
    await q.put(1);
    const controller = new AbortController();
    const putting = q.put(2, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('no room')), 30);
    await expect(putting).rejects.toThrow('no room');
    expect(await q.get()).toBe(1);
    expect(await q.qsize()).toBe(0);
  });

  test('condition.waitFor runs the predicate here', async () => {
    const cond = await manager.condition();
    const state = await manager.namespace({ ready: false });
    const waiting = cond.with(() => cond.waitFor(async () => (await state.get('ready')) === true, 30_000));
    await new Promise((r) => setTimeout(r, 50));
    await state.set('ready', true);
    await cond.with(() => cond.notifyAll());
    expect(await waiting).toBe(true);
    expect(await cond.with(() => cond.waitFor(() => false, 20))).toBe(false);
  });

  test('barrier: indexes, timeout breaks, reset (CPython test_barrier)', async () => {
    const barrier = await manager.barrier(3);
    expect(await barrier.parties()).toBe(3);
    const indexes = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
    expect(indexes.sort()).toEqual([0, 1, 2]);
    const first = barrier.wait();
    await expect(barrier.wait(50)).rejects.toThrow(BrokenBarrierError);
    await expect(first).rejects.toThrow(BrokenBarrierError);
    expect(await barrier.broken()).toBe(true);
    await expect(barrier.wait()).rejects.toThrow(BrokenBarrierError);
    await barrier.reset();
    expect(await barrier.broken()).toBe(false);
    const waiting = barrier.wait();
    await new Promise((r) => setTimeout(r, 20));
    expect(await barrier.nWaiting()).toBe(1);
    await barrier.abort();
    await expect(waiting).rejects.toThrow(BrokenBarrierError);
  });

  test('barrier: the timeout given at creation is the default of wait() (CPython test_default_timeout)', async () => {
    const barrier = await manager.barrier(2, { timeout: 50 });
    await expect(barrier.wait()).rejects.toThrow(BrokenBarrierError);
    expect(await barrier.broken()).toBe(true);
  });
});

describe('across threads', () => {
  test('4 threads x 100 increments under a manager lock: exact count', async () => {
    const lock = await manager.lock();
    const ns = await manager.namespace({ n: 0 });
    const workers = Array.from({ length: 4 }, () => startClient('increment', { lock, ns, times: 100 }));
    await Promise.all(workers.map(exited));
    expect(await ns.get('n')).toBe(400);
  });

  test('an rlock held by another thread cannot be released here', async () => {
    const rlock = await manager.rlock();
    const worker = startClient('hold-lock', { lock: rlock });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));
    await expect(rlock.release()).rejects.toThrow(StateError);
    expect(await rlock.acquire(0)).toBe(false);
    await worker.terminate();
  });
});
