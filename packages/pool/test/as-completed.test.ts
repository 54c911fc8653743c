// CPython's test_concurrent_futures/test_as_completed.py, on both executors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Event } from '@conc/sync';
import { Future, ProcessPoolExecutor, ThreadPoolExecutor, TimeoutError, asCompleted } from '@conc/pool';
import { errorOf } from './helpers.js';

const mul = (x: number, y: number): number => x * y;
const sleep = (ms: number): number => (Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms), ms);
const hold = (event: Event): boolean => event.waitSync(30_000);

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
}

describe.each([
  ['ThreadPoolExecutor', () => new ThreadPoolExecutor(3)],
  ['ProcessPoolExecutor', () => new ProcessPoolExecutor(3)],
] as const)('asCompleted with a %s (CPython test_as_completed.py)', (_name, make) => {
  let executor: ThreadPoolExecutor | ProcessPoolExecutor;
  // Done futures of each kind, as CPython's module-level fixtures.
  let succeeded: Future<number>;
  let failed: Future<number>;
  let cancelled: Future<number>;
  let gate: Event;
  beforeAll(async () => {
    executor = make();
    succeeded = executor.submit(mul, 6, 7);
    failed = executor.submit((x: number) => {
      throw new RangeError(`bad ${x}`);
    }, 1);
    await Promise.allSettled([succeeded, failed]);
    gate = new Event();
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

  it('no timeout: yields every future, the done ones first', async () => {
    const f1 = executor.submit(mul, 2, 21);
    const f2 = executor.submit(mul, 7, 6);
    const completed = await collect(asCompleted([cancelled, failed, succeeded, f1, f2]));
    expect(new Set(completed)).toEqual(new Set([cancelled, failed, succeeded, f1, f2]));
    expect(completed.length).toBe(5);
    expect(new Set(completed.slice(0, 3))).toEqual(new Set([cancelled, failed, succeeded]));
  });

  it('times out (0 and 100 ms) before the last future, having yielded the done ones', async () => {
    for (const timeout of [0, 100]) {
      // The last future runs until the test lets it go: the timeout comes first however
      // loaded the machine is.
      const release = new Event();
      const slow = executor.submit(hold, release);
      const completed = new Set<Future<number | boolean>>();
      const started = performance.now();
      const error = await errorOf((async () => {
        for await (const future of asCompleted([cancelled, failed, succeeded, slow], timeout)) completed.add(future);
      })());
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toBe('1 (of 4) futures unfinished');
      expect(performance.now() - started).toBeGreaterThanOrEqual(timeout - 10);
      expect(performance.now() - started).toBeLessThan(timeout + 5_000);
      expect(completed).toEqual(new Set([cancelled, failed, succeeded]));
      expect(slow.done()).toBe(false);
      release.set();
      expect(await slow).toBe(true);
    }
  });

  it('duplicate futures (any iterable) are yielded once', async () => {
    const future = executor.submit(sleep, 100);
    function* thrice(): Generator<Future<number>> {
      for (let i = 0; i < 3; i++) yield future;
    }
    expect(await collect(asCompleted(thrice()))).toEqual([future]);
  });

  it('yields in completion order', async () => {
    // Each task runs until the test lets it go, one after the other in the order 1, 2, 0:
    // the order of completion is the test's, not the durations' on a loaded machine.
    const gates = [new Event(), new Event(), new Event()];
    const futures = gates.map((gate) => executor.submit(hold, gate));
    const iterator = asCompleted(futures, 30_000)[Symbol.asyncIterator]();
    const order: number[] = [];
    for (const i of [1, 2, 0]) {
      gates[i]!.set();
      const { value } = await iterator.next();
      order.push(futures.indexOf(value as Future<boolean>));
    }
    expect(order).toEqual([1, 2, 0]);
    expect((await iterator.next()).done).toBe(true);
  });

  it('the timeout message counts unfinished futures of all given', async () => {
    const local = new ThreadPoolExecutor(1);
    const localGate = new Event();
    const running = local.submit(hold, localGate);
    const queued = local.submit(mul, 1, 2);
    const error = await errorOf(collect(asCompleted([cancelled, queued, running, succeeded], 0)));
    expect((error as Error).message).toBe('2 (of 4) futures unfinished');
    localGate.set();
    await local.shutdown();
  });
});

describe('asCompleted', () => {
  it('ends after throwing TimeoutError, and break stops the watching', async () => {
    const executor = new ThreadPoolExecutor(1);
    const gate = new Event();
    const held = executor.submit(hold, gate);
    const iterator = asCompleted([held], 20);
    expect(await errorOf(iterator.next())).toBeInstanceOf(TimeoutError);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
    const other = asCompleted([held]);
    const waiting = other.next();
    await other.return!();
    expect(await waiting).toEqual({ done: true, value: undefined });
    gate.set();
    expect(await held).toBe(true);
    await executor.shutdown();
  });

  it('an empty input ends at once', async () => {
    expect(await collect(asCompleted([]))).toEqual([]);
  });

  it('bad input is an error at the call', () => {
    expect(() => asCompleted(5 as never)).toThrow(TypeError);
    expect(() => asCompleted([Promise.resolve(1)] as never)).toThrow(/futures\[0\] must be a Future/);
    expect(() => asCompleted([], -1)).toThrow(RangeError);
    expect(() => asCompleted([], NaN)).toThrow(RangeError);
    expect(() => asCompleted([], 'x' as never)).toThrow(TypeError);
  });
});
