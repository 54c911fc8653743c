// @conc objects inside task arguments arrive live in thread workers: one shared state.
import { describe, expect, it } from 'vitest';
import { Lock, Value } from '@conc/sync';
import { Queue } from '@conc/queue';
import { Pool } from '@conc/pool';

describe('@conc objects in task arguments', () => {
  it('a Lock and a Value: exact count under the lock across workers', async () => {
    const pool = new Pool(3);
    const lock = new Lock();
    const counter = new Value('i32', 0, { lock: false });
    const add = (shared: { lock: Lock; counter: Value<'i32'> }, times: number) => {
      for (let i = 0; i < times; i++) {
        shared.lock.acquireSync();
        // A read-modify-write that loses updates without the lock.
        const seen = shared.counter.value;
        shared.counter.value = seen + 1;
        shared.lock.release();
      }
      return times;
    };
    const results = await pool.map((n: number) => n, [1, 2, 3]);
    expect(results).toEqual([1, 2, 3]);
    const done = await Promise.all(Array.from({ length: 12 }, () => pool.apply(add, [{ lock, counter }, 2_000])));
    expect((done as number[]).reduce((a, b) => a + b, 0)).toBe(24_000);
    expect(counter.value).toBe(24_000);
    expect(lock.locked()).toBe(false);
    await pool.terminate();
  });

  it('a Queue in map items: workers put, the main thread gets every item', async () => {
    const pool = new Pool(2);
    const queue = new Queue<number>();
    const items = Array.from({ length: 200 }, (_, i) => ({ queue, i }));
    const out = await pool.map(({ queue: q, i }: { queue: Queue<number>; i: number }) => {
      q.putSync(i * 10);
      return i;
    }, items, 10);
    expect(out).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const got: number[] = [];
    while (!queue.empty()) got.push(queue.getNowait());
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i * 10));
    await pool.terminate();
  });

  it('a Lock returned by a task arrives live on the caller', async () => {
    const pool = new Pool(1);
    const lock = await pool.apply({ module: new URL('./fixtures/tasks.mjs', import.meta.url), export: 'makeHeldLock' });
    expect((lock as Lock).locked()).toBe(true);
    (lock as Lock).release();
    expect((lock as Lock).locked()).toBe(false);
    await pool.terminate();
  });
});
