// CPython's test_concurrent_futures/test_wait.py, on both executors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Event } from '@conc/sync';
import { Future, ProcessPoolExecutor, ThreadPoolExecutor, wait } from '@conc/pool';
import { errorOf } from './helpers.js';

const mul = (x: number, y: number): number => x * y;
const sleep = (ms: number): number => (Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms), ms);
const sleepAndRaise = (ms: number): never => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  throw new Error('this is an exception');
};
const divide = (x: number, y: number): number => {
  if (y === 0) throw new RangeError('division by zero');
  return x / y;
};
const hold = (event: Event): boolean => event.waitSync(30_000);

describe.each([
  ['ThreadPoolExecutor', () => new ThreadPoolExecutor(3)],
  ['ProcessPoolExecutor', () => new ProcessPoolExecutor(3)],
] as const)('wait with a %s (CPython test_wait.py)', (_name, make) => {
  let executor: ThreadPoolExecutor | ProcessPoolExecutor;
  let succeeded: Future<number>;
  let failed: Future<number>;
  let cancelled: Future<number>;
  beforeAll(async () => {
    executor = make();
    succeeded = executor.submit(mul, 6, 7);
    failed = executor.submit(divide, 1, 0);
    await Promise.allSettled([succeeded, failed]);
    const gate = new Event();
    const side = new ThreadPoolExecutor(1);
    side.submit(hold, gate);
    cancelled = side.submit(mul, 1, 1);
    expect(cancelled.cancel()).toBe(true);
    gate.set();
    await side.shutdown();
  });
  afterAll(async () => {
    await executor.shutdown();
  });

  it('the same future twice counts once (bpo-20369)', async () => {
    const future = executor.submit(sleep, 200);
    const { done, notDone } = await wait([future, future], { returnWhen: 'ALL_COMPLETED' });
    expect(done).toEqual(new Set([future]));
    expect(notDone).toEqual(new Set());
  });

  it('FIRST_COMPLETED', async () => {
    const f1 = executor.submit(mul, 21, 2);
    const f2 = executor.submit(sleep, 700);
    // A cancelled future is done: with it in the list, wait returns at once.
    const early = await wait([cancelled, f2], { returnWhen: 'FIRST_COMPLETED' });
    expect(early.done).toEqual(new Set([cancelled]));
    const { done, notDone } = await wait([f1, f2], { returnWhen: 'FIRST_COMPLETED' });
    expect(done).toEqual(new Set([f1]));
    expect(notDone).toEqual(new Set([f2]));
    await f2;
  });

  it('FIRST_COMPLETED with some already completed', async () => {
    const f1 = executor.submit(sleep, 700);
    const { done, notDone } = await wait([cancelled, succeeded, f1], { returnWhen: 'FIRST_COMPLETED' });
    expect(done).toEqual(new Set([cancelled, succeeded]));
    expect(notDone).toEqual(new Set([f1]));
    await f1;
  });

  it('FIRST_EXCEPTION', async () => {
    const f1 = executor.submit(mul, 2, 21);
    const f2 = executor.submit(sleepAndRaise, 300);
    const f3 = executor.submit(sleep, 900);
    const { done, notDone } = await wait([f1, f2, f3], { returnWhen: 'FIRST_EXCEPTION' });
    expect(done).toEqual(new Set([f1, f2]));
    expect(notDone).toEqual(new Set([f3]));
    await f3;
  });

  it('FIRST_EXCEPTION with some already complete: cancelled futures do not count', async () => {
    const f1 = executor.submit(divide, 21, 0);
    const f2 = executor.submit(sleep, 700);
    const { done, notDone } = await wait([succeeded, cancelled, f1, f2], { returnWhen: 'FIRST_EXCEPTION' });
    expect(done).toEqual(new Set([succeeded, cancelled, f1]));
    expect(notDone).toEqual(new Set([f2]));
    await f2;
  });

  it('FIRST_EXCEPTION with one already failed returns at once', async () => {
    const f1 = executor.submit(sleep, 500);
    const { done, notDone } = await wait([failed, f1], { returnWhen: 'FIRST_EXCEPTION' });
    expect(done).toEqual(new Set([failed]));
    expect(notDone).toEqual(new Set([f1]));
    await f1;
  });

  it('FIRST_EXCEPTION without any failure waits for all', async () => {
    const futures = [executor.submit(sleep, 50), executor.submit(mul, 2, 3)];
    const { done, notDone } = await wait([...futures, cancelled], { returnWhen: 'FIRST_EXCEPTION' });
    expect(done).toEqual(new Set([...futures, cancelled]));
    expect(notDone.size).toBe(0);
  });

  it('ALL_COMPLETED (the default)', async () => {
    const f1 = executor.submit(divide, 2, 0);
    const f2 = executor.submit(mul, 2, 21);
    const { done, notDone } = await wait([succeeded, cancelled, failed, f1, f2]);
    expect(done).toEqual(new Set([succeeded, cancelled, failed, f1, f2]));
    expect(notDone).toEqual(new Set());
  });

  it('timeout: returns (does not throw) with what is done', async () => {
    const future = executor.submit(sleep, 500);
    const started = performance.now();
    const { done, notDone } = await wait([cancelled, failed, succeeded, future], { timeout: 50, returnWhen: 'ALL_COMPLETED' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
    expect(done).toEqual(new Set([cancelled, failed, succeeded]));
    expect(notDone).toEqual(new Set([future]));
    await future;
  });
});

describe('wait', () => {
  it('many futures settled by one reply are all in done (issue 14406: no race)', async () => {
    const executor = new ThreadPoolExecutor(2);
    const gate = new Event();
    const futures = Array.from({ length: 100 }, () => executor.submit(hold, gate));
    gate.set();
    const { done, notDone } = await wait(futures, { returnWhen: 'ALL_COMPLETED' });
    expect(done.size).toBe(100);
    expect(notDone.size).toBe(0);
    await executor.shutdown();
  });

  it('an empty input and a timeout of 0 return at once', async () => {
    expect(await wait([])).toEqual({ done: new Set(), notDone: new Set() });
    const executor = new ThreadPoolExecutor(1);
    const future = executor.submit(sleep, 200);
    const { notDone } = await wait([future], { timeout: 0 });
    expect(notDone).toEqual(new Set([future]));
    await executor.shutdown();
  });

  it('bad input rejects', async () => {
    expect(await errorOf(wait(5 as never))).toBeInstanceOf(TypeError);
    expect(await errorOf(wait([{}] as never))).toBeInstanceOf(TypeError);
    expect(await errorOf(wait([], { returnWhen: 'FIRST' as never }))).toBeInstanceOf(RangeError);
    expect(await errorOf(wait([], { timeout: -5 }))).toBeInstanceOf(RangeError);
    expect(await errorOf(wait([], 5 as never))).toBeInstanceOf(TypeError);
  });
});
