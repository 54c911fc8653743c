// CPython's test_concurrent_futures/test_future.py, carried over to our API: futures in each
// state are made by real executors (a task held on an Event keeps its worker busy).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Event } from '@conc/sync';
import { CancelledError, Future, ThreadPoolExecutor, TimeoutError } from '@conc/pool';
import { errorOf } from './helpers.js';

const hold = (event: Event): string => (event.waitSync(30_000), 'released');
const fail = (): never => {
  throw new RangeError('task failed');
};

describe('Future (CPython test_future.py)', () => {
  let executor: ThreadPoolExecutor;
  let gate: Event;
  let running: Future<string>;
  beforeAll(async () => {
    executor = new ThreadPoolExecutor(1);
    gate = new Event();
    running = executor.submit(hold, gate);
    await waitUntil(() => running.running());
  });
  afterAll(async () => {
    gate.set();
    await executor.shutdown();
  });

  /** A future queued behind the held task: pending until `gate` is set. */
  const pending = (): Future<number> => executor.submit((x: number) => x, 1);
  // Wrapped: an async function returning a future (a thenable) would resolve to its value.
  const succeeded = async (): Promise<{ future: Future<number> }> => {
    const other = new ThreadPoolExecutor(1);
    const future = other.submit(() => 42);
    await future.exception();
    await other.shutdown();
    return { future };
  };
  const failed = async (): Promise<{ future: Future<never> }> => {
    const other = new ThreadPoolExecutor(1);
    const future = other.submit(fail);
    await future.exception();
    await other.shutdown();
    return { future };
  };

  it('states: pending, running, cancelled, finished (cancelled, running, done)', async () => {
    const queued = pending();
    expect([queued.cancelled(), queued.running(), queued.done()]).toEqual([false, false, false]);
    expect([running.cancelled(), running.running(), running.done()]).toEqual([false, true, false]);
    expect(queued.cancel()).toBe(true);
    expect([queued.cancelled(), queued.running(), queued.done()]).toEqual([true, false, true]);
    for (const future of [(await succeeded()).future, (await failed()).future]) {
      expect([future.cancelled(), future.running(), future.done()]).toEqual([false, false, true]);
    }
  });

  it('cancel: true when pending or already cancelled, false when running or finished', async () => {
    const queued = pending();
    expect(queued.cancel()).toBe(true);
    expect(queued.cancel()).toBe(true);
    expect(running.cancel()).toBe(false);
    expect(running.running()).toBe(true);
    expect((await succeeded()).future.cancel()).toBe(false);
    expect((await failed()).future.cancel()).toBe(false);
  });

  it('result(0) and exception(0): TimeoutError while not done, CancelledError when cancelled', async () => {
    const queued = pending();
    expect(await errorOf(queued.result(0))).toBeInstanceOf(TimeoutError);
    expect(await errorOf(running.result(0))).toBeInstanceOf(TimeoutError);
    expect(await errorOf(queued.exception(0))).toBeInstanceOf(TimeoutError);
    expect(await errorOf(running.exception(0))).toBeInstanceOf(TimeoutError);
    queued.cancel();
    expect(await errorOf(queued.result(0))).toBeInstanceOf(CancelledError);
    expect(await errorOf(queued.exception(0))).toBeInstanceOf(CancelledError);
    expect(await errorOf(queued)).toBeInstanceOf(CancelledError);
    const { future: bad } = await failed();
    expect(await errorOf(bad.result(0))).toBeInstanceOf(RangeError);
    expect(await bad.exception(0)).toBeInstanceOf(RangeError);
    const { future: good } = await succeeded();
    expect(await good.result(0)).toBe(42);
    expect(await good.exception(0)).toBeUndefined();
    expect(await good).toBe(42);
  });

  it('result(timeout) times out after about the timeout, then still gets the value later', async () => {
    const queued = pending();
    const started = performance.now();
    expect(await errorOf(queued.result(100))).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(queued.done()).toBe(false);
    queued.cancel();
  });

  it('result() waiting while the future is cancelled rejects with CancelledError', async () => {
    const queued = pending();
    const waiting = errorOf(queued.result(30_000));
    setTimeout(() => queued.cancel(), 50);
    expect(await waiting).toBeInstanceOf(CancelledError);
  });

  it('exception() waiting while the task fails gives the error', async () => {
    const local = new ThreadPoolExecutor(1);
    const localGate = new Event();
    const failing = local.submit((event: Event) => {
      event.waitSync(30_000);
      throw new TypeError('late failure');
    }, localGate);
    const waiting = failing.exception(30_000);
    setTimeout(() => localGate.set(), 50);
    expect(await waiting).toBeInstanceOf(TypeError);
    await local.shutdown();
  });

  describe('done callbacks', () => {
    afterEach(() => vi.restoreAllMocks());

    it('get the future with its result, its error, or cancelled', async () => {
      const local = new ThreadPoolExecutor(1);
      const seen: unknown[] = [];
      const ok = local.submit(() => 5);
      ok.addDoneCallback((future) => void future.result(0).then((value) => seen.push(['result', value])));
      const bad = local.submit(fail);
      bad.addDoneCallback((future) => void future.exception(0).then((error) => seen.push(['error', (error as Error).message])));
      await Promise.allSettled([ok, bad]);
      await local.shutdown();
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(seen).toEqual([['result', 5], ['error', 'task failed']]);

      let wasCancelled: boolean | undefined;
      const queued = pending();
      queued.addDoneCallback((future) => (wasCancelled = future.cancelled()));
      expect(queued.cancel()).toBe(true);
      expect(wasCancelled).toBe(true);
    });

    it('run in the order added, each with the future itself', async () => {
      const local = new ThreadPoolExecutor(1);
      const future = local.submit(() => 1);
      const order: number[] = [];
      for (let i = 0; i < 5; i++) future.addDoneCallback((f) => (expect(f).toBe(future), order.push(i)));
      await future;
      expect(order).toEqual([0, 1, 2, 3, 4]);
      await local.shutdown();
    });

    it('added to a done future (succeeded, failed, cancelled) run at once', async () => {
      const { future: good } = await succeeded();
      let ran = 0;
      good.addDoneCallback(() => ran++);
      expect(ran).toBe(1);
      (await failed()).future.addDoneCallback(() => ran++);
      expect(ran).toBe(2);
      const queued = pending();
      queued.cancel();
      let wasCancelled = false;
      queued.addDoneCallback((future) => (wasCancelled = future.cancelled()));
      expect(wasCancelled).toBe(true);
    });

    it('one that throws is printed, not raised, and the next still runs', async () => {
      const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
      const local = new ThreadPoolExecutor(1);
      const future = local.submit(() => 5);
      let nextRan = false;
      future.addDoneCallback(() => {
        throw new Error('doh!');
      });
      future.addDoneCallback(() => (nextRan = true));
      expect(await future).toBe(5);
      expect(nextRan).toBe(true);
      expect(String(printed.mock.calls[0]?.[0])).toMatch(/exception calling callback for <Future #\d+ state=finished returned number>/);
      expect((printed.mock.calls[0]?.[1] as Error).message).toBe('doh!');
      // Already done: runs at once, still printed rather than raised.
      expect(() => future.addDoneCallback(() => {
        throw new Error('doh again');
      })).not.toThrow();
      expect((printed.mock.calls[1]?.[1] as Error).message).toBe('doh again');
      await local.shutdown();
    });
  });

  it('toString is Python\'s repr', async () => {
    const queued = pending();
    expect(queued.toString()).toMatch(/^<Future #\d+ state=pending>$/);
    expect(running.toString()).toMatch(/^<Future #\d+ state=running>$/);
    queued.cancel();
    expect(queued.toString()).toMatch(/^<Future #\d+ state=cancelled>$/);
    expect((await succeeded()).future.toString()).toMatch(/^<Future #\d+ state=finished returned number>$/);
    expect((await failed()).future.toString()).toMatch(/^<Future #\d+ state=finished raised RangeError>$/);
  });

  it('bad input: a callback that is not a function, a bad timeout', async () => {
    const queued = pending();
    expect(() => queued.addDoneCallback(42 as never)).toThrow(TypeError);
    expect(() => queued.addDoneCallback(42 as never)).toThrow(/must be a function/);
    expect(await errorOf(queued.result(-1))).toBeInstanceOf(RangeError);
    expect(await errorOf(queued.result(NaN))).toBeInstanceOf(RangeError);
    expect(await errorOf(queued.exception('1' as never))).toBeInstanceOf(TypeError);
    // Nothing was spoiled: the future can still be cancelled.
    expect(queued.cancel()).toBe(true);
  });

  it('a failed future nobody reads is not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const local = new ThreadPoolExecutor(1);
    const future = local.submit(fail);
    await local.shutdown();
    expect(future.done()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
});

async function waitUntil(check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
