import { describe, expect, it } from 'vitest';
import { Lock, StateError, TimeoutError } from '@conc/sync';
import { inThreads, sleep, start, until } from './threads.js';

describe('Lock (lock_tests.py BaseLockTests / LockTests)', () => {
  it('acquires and releases', async () => {
    const lock = new Lock();
    expect(lock.locked()).toBe(false);
    expect(await lock.acquire()).toBe(true);
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
    expect(lock.acquireSync()).toBe(true);
    lock.release();
  });

  it('try-acquire fails while another thread holds it', async () => {
    const lock = new Lock();
    expect(lock.acquireSync({ blocking: false })).toBe(true);
    const other = await start((a: { lock: Lock }) => a.lock.acquireSync({ blocking: false }), { lock }).result;
    expect(other).toBe(false);
    expect(await lock.acquire(0)).toBe(false);
    lock.release();
  });

  it('a contended acquire in another thread completes once released', async () => {
    const lock = new Lock();
    await lock.acquire();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const t = start((a: { lock: Lock; flag: Int32Array }) => {
      Atomics.store(a.flag, 0, 1);
      const got = a.lock.acquireSync();
      a.lock.release();
      return got;
    }, { lock, flag });
    await until(() => Atomics.load(flag, 0) === 1);
    await sleep(50);
    lock.release();
    expect(await t.result).toBe(true);
    expect(lock.locked()).toBe(false);
  });

  it('may be released by another thread (Lock has no owner)', async () => {
    const lock = new Lock();
    await lock.acquire();
    await start((a: { lock: Lock }) => a.lock.release(), { lock }).result;
    expect(lock.locked()).toBe(false);
    expect(await lock.acquire(0)).toBe(true);
    lock.release();
  });

  it('reacquire: a thread blocked in acquire gets it after a release elsewhere', async () => {
    const lock = new Lock();
    lock.acquireSync();
    const t = start((a: { lock: Lock }) => {
      a.lock.acquireSync();
      a.lock.release();
      return 'done';
    }, { lock });
    await sleep(30);
    lock.release();
    expect(await t.result).toBe('done');
  });

  it('times out: waits at least the timeout, and the lock state is unchanged', async () => {
    const lock = new Lock();
    lock.acquireSync();
    const [sync, async] = await inThreads(2, async (a: { lock: Lock }, i) => {
      const t0 = performance.now();
      const got = i === 0 ? a.lock.acquireSync(100) : await a.lock.acquire({ timeout: 100 });
      return { got, took: performance.now() - t0 };
    }, { lock });
    for (const r of [sync!, async!]) {
      expect(r.got).toBe(false);
      expect(r.took).toBeGreaterThanOrEqual(99);
    }
    expect(lock.locked()).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
    expect(lock.acquireSync({ blocking: false })).toBe(true);
    lock.release();
  });

  it('rejects bad options, as Python does', async () => {
    const lock = new Lock();
    await expect(lock.acquire(-1)).rejects.toThrow(RangeError);
    await expect(lock.acquire(Number.NaN)).rejects.toThrow(RangeError);
    await expect(lock.acquire({ blocking: false, timeout: 10 })).rejects.toThrow(/non-blocking/);
    await expect(lock.acquire('1' as never)).rejects.toThrow(TypeError);
    expect(() => lock.acquireSync(-5)).toThrow(RangeError);
    expect(() => lock.acquireSync({ signal: 'x' as never })).toThrow(/signal/);
    expect(lock.locked()).toBe(false);
  });

  it('release of an unlocked lock is a StateError', () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(StateError);
    expect(() => lock.release()).toThrow(/unlocked/);
  });

  it('an aborted acquire rejects with the reason and holds nothing', async () => {
    const lock = new Lock();
    await expect(lock.acquire({ signal: AbortSignal.abort(new Error('stop')) })).rejects.toThrow('stop');
    expect(lock.locked()).toBe(false);
    lock.acquireSync();
    const controller = new AbortController();
    const pending = lock.acquire({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('later')), 20);
    await expect(pending).rejects.toThrow('later');
    lock.release();
    expect(lock.locked()).toBe(false);
    // The abort left no one behind: the lock works normally for the next taker.
    expect(await lock.acquire(1000)).toBe(true);
    lock.release();
  });

  it('with() and guard() release on success, on throw; time out with TimeoutError', async () => {
    const lock = new Lock();
    expect(await lock.with(() => 42)).toBe(42);
    expect(lock.locked()).toBe(false);
    await expect(lock.with(async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(lock.locked()).toBe(false);
    {
      using _held = await lock.guard();
      expect(lock.locked()).toBe(true);
    }
    expect(lock.locked()).toBe(false);
    lock.acquireSync();
    await expect(lock.with(() => 1, 10)).rejects.toThrow(TimeoutError);
    await expect(lock.guard({ blocking: false })).rejects.toThrow(TimeoutError);
    lock.release();
    await expect(lock.with('nope' as never)).rejects.toThrow(TypeError);
  });

  it('a lock held by a terminated thread is taken over by the next waiter (Python would keep it held)', async () => {
    const lock = new Lock();
    const t = start((a: { lock: Lock }) => {
      a.lock.acquireSync();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }, { lock });
    await until(() => lock.locked());
    // Held, not abandoned, while its holder lives: a timed acquire times out.
    expect(await lock.acquire(20)).toBe(false);
    await t.worker.terminate();
    t.result.catch(() => {});
    expect(lock.locked()).toBe(true);
    expect(await lock.acquire(5000)).toBe(true);
    lock.release();
    expect(lock.locked()).toBe(false);
  });

  it('stress: 4 threads x 100k lock/increment/unlock is exact (sync and async forms)', async () => {
    const lock = new Lock();
    const counter = new Int32Array(new SharedArrayBuffer(8));
    await inThreads(4, async (a: { lock: Lock; counter: Int32Array }, i) => {
      for (let n = 0; n < 100_000; n++) {
        if (i % 2 === 0) a.lock.acquireSync();
        else await a.lock.acquire();
        // A non-atomic read-modify-write: only the lock keeps it exact.
        const v = a.counter[0]!;
        a.counter[0] = v + 1;
        a.lock.release();
      }
    }, { lock, counter });
    expect(counter[0]).toBe(400_000);
    expect(lock.locked()).toBe(false);
  });
});
