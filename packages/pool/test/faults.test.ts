// Where CPython's Pool hangs: a task that kills its worker. Ours rejects that task with
// WorkerCrashedError naming the cause, replaces the worker and completes the other tasks.
import { describe, expect, it } from 'vitest';
import { Pool, StateError, WorkerCrashedError } from '@conc/pool';
import { Event } from '@conc/sync';
import { errorOf } from './helpers.js';

const sqr = (x: number): number => x * x;
const threadIdOf = () => process.getBuiltinModule('node:worker_threads').threadId;

describe('a task that kills its worker', () => {
  it('process.exit(): WorkerCrashedError naming the exit code, the other tasks complete', async () => {
    const pool = new Pool(2);
    const before = new Set(await pool.map(threadIdOf, [1, 2, 3, 4, 5, 6], 1));
    const others = Array.from({ length: 50 }, (_, i) => pool.applyAsync(sqr, [i]));
    const dying = pool.applyAsync(() => process.exit(3));
    const more = Array.from({ length: 50 }, (_, i) => pool.applyAsync(sqr, [i + 50]));
    const error = await errorOf<WorkerCrashedError>(dying.get());
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/exited with code 3/);
    expect(await Promise.all([...others, ...more].map((r) => r.get()))).toEqual(Array.from({ length: 100 }, (_, i) => i * i));
    // The worker was replaced: the pool still has two workers, one of them new.
    const after = new Set(await pool.map((ms: number) => (Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms), process.getBuiltinModule('node:worker_threads').threadId), [100, 100, 100, 100], 1));
    expect(after.size).toBe(2);
    expect([...after].some((id) => !before.has(id))).toBe(true);
    pool.close();
    await pool.join();
  });

  it('an uncaught error in a timer: WorkerCrashedError with the error as cause', async () => {
    const pool = new Pool(2);
    const dying = pool.applyAsync(() => {
      setTimeout(() => {
        throw new RangeError('boom in a timer');
      }, 10);
      return new Promise((resolve) => setTimeout(resolve, 5_000));
    });
    const others = Array.from({ length: 20 }, (_, i) => pool.applyAsync(sqr, [i]));
    const error = await errorOf<WorkerCrashedError>(dying.get());
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/uncaught RangeError: boom in a timer/);
    expect((error.cause as Error).message).toBe('boom in a timer');
    expect(await Promise.all(others.map((r) => r.get()))).toEqual(Array.from({ length: 20 }, (_, i) => i * i));
    await pool.terminate();
  });

  it('an unhandled rejection kills the worker the same way', async () => {
    const pool = new Pool(1);
    const dying = pool.applyAsync(() => {
      void Promise.reject(new Error('nobody caught me'));
      return new Promise((resolve) => setTimeout(resolve, 5_000));
    });
    await expect(dying.get()).rejects.toThrow(/nobody caught me/);
    expect(await pool.apply(sqr, [9])).toBe(81);
    await pool.terminate();
  });

  it('resource limits: a task running out of memory rejects with WorkerCrashedError', async () => {
    const pool = new Pool({ processes: 1, resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 } });
    const hog = pool.applyAsync(() => {
      const keep: number[][] = [];
      for (;;) keep.push(new Array(100_000).fill(1));
    });
    const error = await errorOf<WorkerCrashedError>(hog.get());
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/memory/);
    expect(await pool.apply(sqr, [12])).toBe(144);
    await pool.terminate();
  });

  it('a crashed worker mid-map fails the map; imap yields the results before the crash', async () => {
    const pool = new Pool(2);
    const killAt3 = (x: number) => (x === 3 ? process.exit(1) : x);
    await expect(pool.map(killAt3, [0, 1, 2, 3, 4, 5], 1)).rejects.toBeInstanceOf(WorkerCrashedError);
    const got: number[] = [];
    await expect((async () => {
      for await (const v of pool.imap(killAt3, [0, 1, 2, 3, 4, 5])) got.push(v as number);
    })()).rejects.toBeInstanceOf(WorkerCrashedError);
    expect(got).toEqual([0, 1, 2]);
    await pool.terminate();
  });
});

describe('AbortSignal', () => {
  it('a queued task is removed and rejects with the reason; it never runs', async () => {
    const pool = new Pool(1);
    const ran = new Int32Array(new SharedArrayBuffer(8));
    const mark = (shared: Int32Array, index: number, ms: number) => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      Atomics.store(shared, index, 1);
      return index;
    };
    const blocker = pool.applyAsync(mark, [ran, 0, 200]);
    const controller = new AbortController();
    const errors: unknown[] = [];
    const queued = pool.applyAsync(mark, [ran, 1, 0], { signal: controller.signal, errorCallback: (e) => errors.push(e) });
    controller.abort(new Error('not needed'));
    await expect(queued.get()).rejects.toThrow('not needed');
    expect(errors).toHaveLength(1);
    expect(await blocker.get()).toBe(0);
    expect(await pool.apply(sqr, [3])).toBe(9);
    expect(Atomics.load(ran, 1)).toBe(0);
    await pool.terminate();
  });

  it('a running task rejects with the abort reason at once; an aborted signal rejects before running', async () => {
    const pool = new Pool(1);
    const started = performance.now();
    // The task would wait 30 s for an event nobody sets: rejecting well before shows the
    // abort did not wait for it, however loaded the machine is.
    const running = pool.applyAsync((never: Event) => never.waitSync(30_000), [new Event()], { signal: AbortSignal.timeout(50) });
    const error = await errorOf<Error>(running.get());
    expect(error.name).toBe('TimeoutError');
    expect(performance.now() - started).toBeLessThan(10_000);
    const aborted = pool.applyAsync(sqr, [2], { signal: AbortSignal.abort('stop') });
    await expect(aborted.get()).rejects.toBe('stop');
    expect(aborted.ready()).toBe(true);
    await pool.terminate();
  });
});

describe('initializer failure', () => {
  it('breaks the pool: tasks reject with WorkerCrashedError (Python hangs)', async () => {
    const pool = new Pool({
      processes: 2,
      initializer: () => {
        throw new TypeError('bad setup');
      },
    });
    const result = pool.applyAsync(sqr, [2]);
    const error = await errorOf<WorkerCrashedError>(result.get());
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/initializer failed.*bad setup/);
    expect(() => pool.applyAsync(sqr, [1])).toThrow(WorkerCrashedError);
    await pool.join();
  });
});

describe('terminate while an imap streams', () => {
  it('the iterator rejects with StateError', async () => {
    const pool = new Pool(2);
    function* endless(): Generator<number> {
      for (let i = 0; ; i++) yield i;
    }
    const iterator = pool.imap((x: number) => (Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5), x), endless());
    expect((await iterator.next()).value).toBe(0);
    await pool.terminate();
    await expect(iterator.next()).rejects.toBeInstanceOf(StateError);
    expect((await iterator.next()).done).toBe(true);
  });
});
