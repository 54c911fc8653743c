// Executor.map: CPython's ExecutorTest map tests, test_map_* of test_thread_pool.py and
// test_process_pool.py, and Python 3.14's buffersize, on both executors.
import { describe, expect, it } from 'vitest';
import { Event, Value } from '@conc/sync';
import { ProcessPoolExecutor, StateError, ThreadPoolExecutor, TimeoutError } from '@conc/pool';
import { errorOf } from './helpers.js';

const sleep = (ms: number): number => (Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms), ms);
const pow = ([x, y]: [number, number]): number => x ** y;
const divmod = ([x, y]: [number, number]): [number, number] => {
  if (y === 0) throw new RangeError('integer division or modulo by zero');
  return [Math.floor(x / y), x % y];
};

async function collect<T>(iterator: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
}

const kinds = [
  ['ThreadPoolExecutor', (n: number) => new ThreadPoolExecutor(n)],
  ['ProcessPoolExecutor', (n: number) => new ProcessPoolExecutor(n)],
] as const;

describe.each(kinds)('%s.map', (_name, make) => {
  it('yields the values in input order, with and without chunksize', async () => {
    await using executor = make(3);
    const pairs = Array.from({ length: 40 }, (_, i) => [i % 7, i % 5] as [number, number]);
    const expected = pairs.map(pow);
    expect(await collect(executor.map(pow, pairs))).toEqual(expected);
    for (const chunksize of [3, 6, 40, 50]) expect(await collect(executor.map(pow, pairs, { chunksize }))).toEqual(expected);
    expect(await collect(executor.map(pow, []))).toEqual([]);
    // Objects and strings too (not only numbers), in chunks.
    expect(await collect(executor.map((s: string) => ({ s }), ['a', 'b', 'c'], { chunksize: 2 }))).toEqual([{ s: 'a' }, { s: 'b' }, { s: 'c' }]);
  });

  it('a task error is thrown when reached, after the values before it, and ends the iteration', async () => {
    await using executor = make(2);
    const iterator = executor.map(divmod, [[1, 2], [1, 3], [1, 0], [1, 5]] as [number, number][]);
    expect((await iterator.next()).value).toEqual([0, 1]);
    expect((await iterator.next()).value).toEqual([0, 1]);
    expect(await errorOf(iterator.next())).toBeInstanceOf(RangeError);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('timeout (from the call): values ready in time are yielded, then TimeoutError', async () => {
    await using executor = make(3);
    // Three workers up first: a process started lazily takes a while on a busy machine.
    await Promise.all([executor.submit(sleep, 50), executor.submit(sleep, 50), executor.submit(sleep, 50)]);
    // The last input waits for an event the test sets only afterwards: it cannot be ready in
    // time however loaded the machine is, and the others have 2 s to be.
    const release = new Event();
    const valueOrHold = (x: number | Event): number => (typeof x === 'number' ? x : (x.waitSync(30_000), -1));
    const results: number[] = [];
    const started = performance.now();
    const error = await errorOf((async () => {
      for await (const value of executor.map(valueOrHold, [0, 0, release], { timeout: 2000 })) results.push(value);
    })());
    expect(error).toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeLessThan(2000 + 5000);
    expect(results).toEqual([0, 0]);
    release.set();
  });

  it('submits every task at the call, without iterating (issue 11777)', async () => {
    const executor = make(2);
    const gate = new Event();
    executor.map((event: Event) => event.waitSync(30_000), [gate, gate, gate]);
    // Never iterated: shutdown still waits for the three tasks, which need the gate.
    let finished = false;
    const shutdown = executor.shutdown().then(() => (finished = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(finished).toBe(false);
    gate.set();
    await shutdown;
  });

  it('buffersize: at most that many tasks wait to be consumed; an endless input streams', async () => {
    await using executor = make(2);
    let pulled = 0;
    function* naturals(): Generator<number> {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    const iterator = executor.map((x: number) => x * 2, naturals(), { buffersize: 4 });
    expect(pulled).toBe(4);
    const first: number[] = [];
    for await (const value of iterator) {
      first.push(value);
      if (first.length === 10) break;
    }
    expect(first).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    // One more is submitted before each wait, as in CPython.
    expect(pulled).toBeLessThanOrEqual(10 + 4 + 1);
    // With chunks, buffersize counts chunks.
    pulled = 0;
    const chunked = executor.map((x: number) => x + 1, naturals(), { buffersize: 2, chunksize: 5 });
    expect(pulled).toBe(10);
    expect((await chunked.next()).value).toBe(1);
    await chunked.return!();
  });

  it('an async input is read as it comes', async () => {
    await using executor = make(2);
    async function* slowly(): AsyncGenerator<number> {
      for (let i = 0; i < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield i;
      }
    }
    expect(await collect(executor.map((x: number) => x * 3, slowly()))).toEqual([0, 3, 6, 9, 12]);
    expect(await collect(executor.map((x: number) => x * 3, slowly(), { chunksize: 2, buffersize: 1 }))).toEqual([0, 3, 6, 9, 12]);
  });

  it('an error thrown by the input: at the call when read there; else after the values before it', async () => {
    await using executor = make(2);
    function* failing(): Generator<number> {
      yield 1;
      yield 2;
      throw new SyntaxError('bad input');
    }
    expect(() => executor.map((x: number) => x, failing())).toThrow(SyntaxError);
    const lazy = executor.map((x: number) => x, failing(), { buffersize: 1 });
    expect((await lazy.next()).value).toBe(1);
    expect((await lazy.next()).value).toBe(2);
    expect(await errorOf(lazy.next())).toBeInstanceOf(SyntaxError);
    async function* failingAsync(): AsyncGenerator<number> {
      yield 1;
      throw new SyntaxError('bad async input');
    }
    const values: number[] = [];
    const error = await errorOf((async () => {
      for await (const value of executor.map((x: number) => x, failingAsync())) values.push(value);
    })());
    expect(error).toBeInstanceOf(SyntaxError);
    expect(values).toEqual([1]);
  });

  it('bad input is an error at the call, and nothing is submitted', async () => {
    await using executor = make(1);
    expect(() => executor.map(pow, 5 as never)).toThrow(/iterable must be an iterable or async iterable/);
    expect(() => executor.map(pow, [], { chunksize: 0 })).toThrow(RangeError);
    expect(() => executor.map(pow, [], { chunksize: -1 })).toThrow(/chunksize must be an integer >= 1/);
    expect(() => executor.map(pow, [], { buffersize: 0 })).toThrow(RangeError);
    expect(() => executor.map(pow, [], { buffersize: '2' as never })).toThrow(TypeError);
    expect(() => executor.map(pow, [], { timeout: -1 })).toThrow(RangeError);
    expect(() => executor.map(pow, [], 3 as never)).toThrow(TypeError);
    expect(() => executor.map((x: unknown) => x, [1, () => 2])).toThrow(/iterable\[1\]/);
    expect(await collect(executor.map((x: number) => x + 1, [1]))).toEqual([2]);
  });
});

describe('ThreadPoolExecutor.map (CPython test_thread_pool.py)', () => {
  it('a timeout of 0 cancels the tasks not started (test_executor_map_current_future_cancel)', async () => {
    const stop = new Event();
    const started = new Event();
    const ran = new Value('i32', 0);
    const executor = new ThreadPoolExecutor(1);
    const first = executor.submit((go: Event, stopEvent: Event) => (go.set(), stopEvent.waitSync(30_000), 'first'), started, stop);
    await started.wait(30_000);
    const iterator = executor.map(([, counter]: [string, Value]) => (counter.value = (counter.value as number) + 1), [['second', ran], ['third', ran]] as [string, Value][], { timeout: 0 });
    expect(await errorOf(iterator.next())).toBeInstanceOf(TimeoutError);
    stop.set();
    expect(await first).toBe('first');
    await executor.shutdown();
    expect(ran.value).toBe(0);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('an iterator left early cancels what is not started; one made before shutdown stops at the first refused submit', async () => {
    const executor = new ThreadPoolExecutor(1);
    const ran = new Value('i32', 0);
    const task = ([ms, counter]: [number, Value]): number => {
      counter.value = (counter.value as number) + 1;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      return ms;
    };
    const iterator = executor.map(task, Array.from({ length: 5 }, () => [200, ran] as [number, Value]));
    expect((await iterator.next()).value).toBe(200);
    await iterator.return!();
    await executor.shutdown();
    // The first, and at most the one a worker had taken meanwhile; never the other three.
    expect(ran.value).toBeLessThanOrEqual(2);

    const other = new ThreadPoolExecutor(1);
    const lazy = other.map((x: number) => x, [1, 2, 3], { buffersize: 1 });
    await other.shutdown();
    expect((await lazy.next()).value).toBe(1);
    expect(await errorOf(lazy.next())).toBeInstanceOf(StateError);
  });
});
