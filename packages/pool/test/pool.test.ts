// CPython's _test_multiprocessing.py pool tests (_TestPool), carried over to our API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsyncResult, Pool, RemoteError, StateError, TimeoutError } from '@conc/pool';
import { errorOf } from './helpers.js';

const sqr = (x: number, wait = 0): number => {
  if (wait > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
  return x * x;
};
const mul = (x: number, y: number): number => x * y;
const boom = (): never => {
  throw new RangeError('boom');
};
const raising = (): never => {
  throw new KeyError('key');
};
// Defined in the worker by the initializer: a class unknown to the main thread.
class KeyError extends Error {
  override name = 'KeyError';
}

describe('Pool (CPython _TestPool)', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = new Pool(4);
  });
  afterAll(async () => {
    await pool.terminate();
  });

  it('apply', async () => {
    expect(await pool.apply(sqr, [5])).toBe(25);
    expect(await pool.apply(sqr, [8])).toBe(64);
    expect(await pool.apply(() => 'no args')).toBe('no args');
  });

  it('map', async () => {
    const range = Array.from({ length: 10 }, (_, i) => i);
    expect(await pool.map(sqr, range)).toEqual(range.map((x) => x * x));
    const big = Array.from({ length: 100 }, (_, i) => i);
    expect(await pool.map(sqr, big, 20)).toEqual(big.map((x) => x * x));
    expect(await pool.map(sqr, [])).toEqual([]);
  });

  it('starmap and starmapAsync', async () => {
    const tuples = Array.from({ length: 10 }, (_, i) => [i, i + 1]);
    const expected = tuples.map(([a, b]) => a! * b!);
    expect(await pool.starmap(mul, tuples)).toEqual(expected);
    expect(await pool.starmapAsync(mul, tuples, { chunksize: 3 }).get()).toEqual(expected);
  });

  it('mapAsync with callback', async () => {
    let seen: number[] | undefined;
    const result = pool.mapAsync(sqr, [1, 2, 3], { callback: (values) => (seen = values) });
    expect(await result).toEqual([1, 4, 9]);
    expect(seen).toEqual([1, 4, 9]);
  });

  it('mapAsync with errorCallback (test_map_async_callbacks)', async () => {
    const errors: unknown[] = [];
    const result = pool.mapAsync(raising, [1], { errorCallback: (error) => errors.push(error) });
    await result.wait();
    expect(result.ready()).toBe(true);
    expect(result.successful()).toBe(false);
    expect(errors).toHaveLength(1);
    await expect(result.get()).rejects.toBe(errors[0]);
  });

  it('map with chunksizes (test_map_chunksize)', async () => {
    for (const chunksize of [1, 2, 3, 7, 50, 1000]) {
      const items = Array.from({ length: 50 }, (_, i) => i);
      expect(await pool.map(sqr, items, chunksize)).toEqual(items.map((x) => x * x));
    }
  });

  it('chunks of numbers keep every value exactly (-0, NaN, fractions, huge)', async () => {
    const items = [-0, NaN, 0.1, -1e308, 2 ** 53, Infinity, ...Array.from({ length: 30 }, (_, i) => i / 3)];
    const same = await pool.map((x: number) => x, items, 100);
    expect(same).toHaveLength(items.length);
    same.forEach((v, i) => expect(Object.is(v, items[i])).toBe(true));
    const mixed = await pool.map((x: number) => (x > 5 ? String(x) : x), Array.from({ length: 40 }, (_, i) => i), 40);
    expect(mixed).toEqual(Array.from({ length: 40 }, (_, i) => (i > 5 ? String(i) : i)));
  });

  it('a map fails with the first error (test_map_unplicklable analogue: errors raised in tasks)', async () => {
    const failOn7 = (x: number): number => {
      if (x === 7) throw new RangeError(`bad ${x}`);
      return x;
    };
    await expect(pool.map(failOn7, Array.from({ length: 20 }, (_, i) => i), 2)).rejects.toThrow(RangeError);
  });

  it('async (test_async): get, wait, ready, successful', async () => {
    const result = pool.applyAsync(sqr, [7, 200]);
    expect(result).toBeInstanceOf(AsyncResult);
    expect(result.ready()).toBe(false);
    expect(() => result.successful()).toThrow(StateError);
    expect(await result.get()).toBe(49);
    expect(result.ready()).toBe(true);
    expect(result.successful()).toBe(true);
  });

  it('async timeout (test_async_timeout): get rejects with TimeoutError, wait resolves', async () => {
    const result = pool.applyAsync(sqr, [6, 1000]);
    const started = performance.now();
    await expect(result.get(50)).rejects.toBeInstanceOf(TimeoutError);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    await result.wait(20);
    expect(result.ready()).toBe(false);
    expect(await result.get()).toBe(36);
  });

  it('await works on an AsyncResult (PromiseLike)', async () => {
    expect(await pool.applyAsync(mul, [6, 7])).toBe(42);
  });

  it('an AsyncResult is a Promise that await and Promise.all take as it is', async () => {
    const result = pool.applyAsync(mul, [3, 4]);
    expect(result).toBeInstanceOf(AsyncResult);
    expect(result).toBeInstanceOf(Promise);
    // No wrapper: Promise.resolve (what await and Promise.all do) gives back the result itself.
    expect(Promise.resolve(result)).toBe(result);
    expect(Object.prototype.toString.call(result)).toBe('[object AsyncResult]');
    const derived = result.then((v) => v + 1);
    expect(derived).not.toBeInstanceOf(AsyncResult);
    expect(await derived).toBe(13);
    expect(await Promise.all([result, pool.applyAsync(mul, [5, 5])])).toEqual([12, 25]);
    expect(await result.get()).toBe(12);
    const failed = pool.applyAsync(boom);
    await expect(Promise.all([failed])).rejects.toThrow('boom');
    await expect(failed.then(undefined, (error: Error) => error.name)).resolves.toBe('RangeError');
    expect(failed.successful()).toBe(false);
  });

  it('a failed result nobody reads is not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const results = [pool.applyAsync(boom), pool.applyAsync(boom, [], { errorCallback: () => {} }), pool.mapAsync(boom, [1, 2])];
      while (!results.every((result) => result.ready())) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
      // The error still waits in get().
      await expect(results[0]!.get()).rejects.toThrow('boom');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('imap (test_imap)', async () => {
    const range = Array.from({ length: 10 }, (_, i) => i);
    const it1 = pool.imap(sqr, range);
    const got: number[] = [];
    for await (const v of it1) got.push(v);
    expect(got).toEqual(range.map((x) => x * x));
    const big = Array.from({ length: 1000 }, (_, i) => i);
    const got2: number[] = [];
    for await (const v of pool.imap(sqr, big, 100)) got2.push(v);
    expect(got2).toEqual(big.map((x) => x * x));
  });

  it('imap yields the results before the input error, then throws it (test_imap_handle_iterable_exception)', async () => {
    function* exploding(): Generator<number> {
      for (let i = 0; i < 10; i++) {
        if (i === 5) throw new SyntaxError('iterable broke');
        yield i;
      }
    }
    // As in CPython, the items of the chunk being filled when the input broke are dropped.
    for (const [chunksize, expected] of [[1, [0, 1, 4, 9, 16]], [2, [0, 1, 4, 9]], [4, [0, 1, 4, 9]], [100, []]] as const) {
      const got: number[] = [];
      await expect((async () => {
        for await (const v of pool.imap(sqr, exploding(), chunksize)) got.push(v);
      })()).rejects.toThrow('iterable broke');
      expect(got).toEqual(expected);
    }
    await expect(pool.map(sqr, exploding())).rejects.toThrow(SyntaxError);
  });

  it('imap_unordered and an input that throws (test_imap_unordered_handle_iterable_exception)', async () => {
    function* exploding(): Generator<number> {
      for (let i = 0; i < 10; i++) {
        if (i === 5) throw new SyntaxError('iterable broke');
        yield i;
      }
    }
    const got: number[] = [];
    await expect((async () => {
      for await (const v of pool.imapUnordered(sqr, exploding())) got.push(v);
    })()).rejects.toThrow('iterable broke');
    expect(got.sort((a, b) => a - b)).toEqual([0, 1, 4, 9, 16]);
  });

  it('empty inputs (test_empty_iterable)', async () => {
    expect(await pool.map(sqr, [])).toEqual([]);
    expect(await pool.starmap(mul, [])).toEqual([]);
    expect(await pool.mapAsync(sqr, []).get()).toEqual([]);
    const got: number[] = [];
    for await (const v of pool.imap(sqr, [])) got.push(v);
    for await (const v of pool.imapUnordered(sqr, new Set<number>())) got.push(v);
    expect(got).toEqual([]);
    expect(pool.processes).toBe(4);
  });

  it('imap_unordered (test_imap_unordered)', async () => {
    const range = Array.from({ length: 100 }, (_, i) => i);
    const got: number[] = [];
    for await (const v of pool.imapUnordered(sqr, range)) got.push(v);
    expect(got.sort((a, b) => a - b)).toEqual(range.map((x) => x * x));
    const got2: number[] = [];
    for await (const v of pool.imapUnordered(sqr, range, 7)) got2.push(v);
    expect(got2.sort((a, b) => a - b)).toEqual(range.map((x) => x * x));
  });

  it('imap_unordered yields in completion order', async () => {
    // The first item is slow: with several workers, the others come out before it.
    const got: number[] = [];
    for await (const v of pool.imapUnordered((ms: number) => (Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms), ms), [400, 1, 1, 1])) got.push(v);
    expect(got.sort((a, b) => a - b)).toEqual([1, 1, 1, 400]);
    expect(got.at(-1)).toBe(400);
  });

  it('a task error is rebuilt as the same built-in class, with the remote stack (test_traceback)', async () => {
    const error = await errorOf<TypeError>(pool.apply(() => {
      const e = new TypeError('wrong type', { cause: 'because' });
      throw e;
    }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('wrong type');
    expect(error.cause).toBe('because');
    expect(error.stack).toContain('remote stack above');
  });

  it('an error of another class arrives as a RemoteError keeping its name', async () => {
    const error = await errorOf<RemoteError>(pool.apply(() => {
      class KeyError extends Error {
        override name = 'KeyError';
      }
      throw new KeyError('missing');
    }));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.name).toBe('KeyError');
    expect(error.message).toBe('missing');
    expect(typeof raising).toBe('function');
  });

  it('callbacks run on the caller, in completion order, before the result is ready', async () => {
    const order: number[] = [];
    const results: AsyncResult<number>[] = [];
    const sleepy = (ms: number) => new Promise<number>((resolve) => setTimeout(() => resolve(ms), ms));
    for (const ms of [300, 10, 150, 60]) {
      const result: AsyncResult<number> = pool.applyAsync(sleepy, [ms], {
        callback: (value) => {
          expect(result.ready()).toBe(false);
          order.push(value);
        },
      });
      results.push(result);
    }
    for (const result of results) {
      await result.wait();
      expect(order).toContain(await result.get());
    }
    expect(order).toEqual([10, 60, 150, 300]);
  });

  it('errorCallback runs before the result is ready and a throwing callback fails the result', async () => {
    const seen: string[] = [];
    const failed = pool.applyAsync(() => {
      throw new Error('task failed');
    }, [], { errorCallback: (error) => seen.push((error as Error).message) });
    await expect(failed.get()).rejects.toThrow('task failed');
    expect(seen).toEqual(['task failed']);
    const throwing = pool.applyAsync(() => 1, [], {
      callback: () => {
        throw new Error('callback broke');
      },
    });
    await expect(throwing.get()).rejects.toThrow('callback broke');
  });

  it('a function target is shipped once per worker, the module target works too', async () => {
    const url = new URL('./fixtures/tasks.mjs', import.meta.url);
    expect(await pool.apply({ module: url, export: 'add' }, [2, 3])).toBe(5);
    expect(await pool.map({ module: url, export: 'double' }, [1, 2, 3])).toEqual([2, 4, 6]);
    expect(await pool.apply({ module: url }, [4])).toBe('default 4');
  });

  it('async targets and async iterables as input', async () => {
    async function* numbers(): AsyncGenerator<number> {
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        yield i;
      }
    }
    const asyncSqr = async (x: number) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return x * x;
    };
    const expected = Array.from({ length: 20 }, (_, i) => i * i);
    expect(await pool.map(asyncSqr, numbers())).toEqual(expected);
    const got: number[] = [];
    for await (const v of pool.imap(asyncSqr, numbers(), 3)) got.push(v);
    expect(got).toEqual(expected);
  });

  it('values of every cloneable kind cross both ways', async () => {
    const value = { map: new Map([[1, 'a']]), set: new Set([1n]), date: new Date(0), bytes: new Uint8Array([1, 2]), nested: [{ x: null }] };
    expect(await pool.apply((v: unknown) => v, [value])).toEqual(value);
  });
});

describe('Pool lifecycle (test_terminate, test_context, test_empty_iterable, test_release_task_refs)', () => {
  it('close then join waits for the tasks; submitting after close is StateError', async () => {
    const pool = new Pool(2);
    const results = [1, 2, 3].map((x) => pool.applyAsync(sqr, [x, 50]));
    pool.close();
    expect(() => pool.applyAsync(sqr, [1])).toThrow(StateError);
    await expect(pool.map(sqr, [1])).rejects.toBeInstanceOf(StateError);
    await expect(pool.apply(sqr, [1])).rejects.toBeInstanceOf(StateError);
    expect(() => pool.imap(sqr, [1])).toThrow(StateError);
    await pool.join();
    for (const result of results) expect(result.ready()).toBe(true);
    expect(await Promise.all(results.map((r) => r.get()))).toEqual([1, 4, 9]);
  });

  it('join before close is StateError', async () => {
    const pool = new Pool(1);
    await expect(pool.join()).rejects.toBeInstanceOf(StateError);
    await pool.terminate();
  });

  it('terminate rejects every unfinished task with StateError and leaves no worker running', async () => {
    const pool = new Pool(2);
    const counter = new Int32Array(new SharedArrayBuffer(8));
    const spin = (shared: Int32Array, index: number) => {
      for (;;) Atomics.add(shared, index, 1);
    };
    const running = [pool.applyAsync(spin, [counter, 0]), pool.applyAsync(spin, [counter, 1])];
    const queued = Array.from({ length: 10 }, (_, i) => pool.applyAsync(sqr, [i]));
    // Both workers spin: no spinning task waits behind the other while a worker idles.
    while (Atomics.load(counter, 0) === 0 || Atomics.load(counter, 1) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await pool.terminate();
    for (const result of [...running, ...queued]) {
      expect(result.ready()).toBe(true);
      await expect(result.get()).rejects.toBeInstanceOf(StateError);
    }
    const after = [Atomics.load(counter, 0), Atomics.load(counter, 1)];
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect([Atomics.load(counter, 0), Atomics.load(counter, 1)]).toEqual(after);
    await pool.join();
  });

  it('await using terminates at the end of the scope', async () => {
    const counter = new Int32Array(new SharedArrayBuffer(4));
    let result: AsyncResult<unknown>;
    {
      await using pool = new Pool(1);
      result = pool.applyAsync((shared: Int32Array) => {
        for (;;) Atomics.add(shared, 0, 1);
      }, [counter]);
      while (Atomics.load(counter, 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await expect(result.get()).rejects.toBeInstanceOf(StateError);
  });

  it('initializer and initargs run in every worker first (test_pool_initializer)', async () => {
    const pool = new Pool({
      processes: 2,
      initializer: (name: string) => {
        (globalThis as Record<string, unknown>)['poolName'] = name;
      },
      initargs: ['fred'],
    });
    expect(await pool.map(() => (globalThis as Record<string, unknown>)['poolName'], [1, 2, 3, 4], 1)).toEqual(['fred', 'fred', 'fred', 'fred']);
    pool.close();
    await pool.join();
  });

  it('maxtasksperchild replaces workers (test_pool_worker_lifetime)', async () => {
    const pool = new Pool({ processes: 3, maxtasksperchild: 10 });
    const threadIdOf = () => process.getBuiltinModule('node:worker_threads').threadId;
    const first = new Set(await pool.map(threadIdOf, Array.from({ length: 100 }, (_, i) => i), 1));
    // 100 tasks, 10 per worker: at least 10 different workers ran them.
    expect(first.size).toBeGreaterThanOrEqual(10);
    const results = await pool.map(sqr, Array.from({ length: 100 }, (_, i) => i), 1);
    expect(results).toEqual(Array.from({ length: 100 }, (_, i) => i * i));
    pool.close();
    await pool.join();
  });

  it('maxtasksperchild counts a map chunk as one task (test_pool_worker_lifetime_early_close)', async () => {
    const pool = new Pool({ processes: 1, maxtasksperchild: 1 });
    const results = Array.from({ length: 6 }, (_, i) => pool.applyAsync(sqr, [i, 10]));
    pool.close();
    await pool.join();
    expect(await Promise.all(results.map((r) => r.get()))).toEqual([0, 1, 4, 9, 16, 25]);
  });

  it("the tutorial's program: Pool(5), ten applyAsync of Foo with callback Bar, close, join", async () => {
    const printed: string[] = [];
    const Foo = async (i: number) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      return i + 100;
    };
    const Bar = (arg: number) => printed.push(`-->exit ${arg}`);
    const pool = new Pool(5);
    for (let i = 0; i < 10; i++) pool.applyAsync(Foo, [i], { callback: Bar });
    printed.push('end');
    pool.close();
    await pool.join();
    expect(printed[0]).toBe('end');
    expect(printed.slice(1).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `-->exit ${i + 100}`).sort());
  });
});

describe('bad input', () => {
  let pool: Pool;
  beforeAll(() => {
    pool = new Pool(1);
  });
  afterAll(async () => {
    await pool.terminate();
  });

  it('processes and maxtasksperchild must be integers >= 1', () => {
    expect(() => new Pool(0)).toThrow(RangeError);
    expect(() => new Pool(-1)).toThrow(RangeError);
    expect(() => new Pool(1.5)).toThrow(RangeError);
    expect(() => new Pool({ processes: NaN })).toThrow(RangeError);
    expect(() => new Pool({ processes: '2' as never })).toThrow(TypeError);
    expect(() => new Pool({ maxtasksperchild: 0 })).toThrow(/maxtasksperchild must be an integer >= 1/);
    expect(() => new Pool({ kind: 'fiber' as never })).toThrow(TypeError);
    expect(() => new Pool({ initargs: 'x' as never })).toThrow(TypeError);
    expect(() => new Pool({ initializer: Math.max })).toThrow(TypeError);
    expect(() => new Pool('4' as never)).toThrow(TypeError);
  });

  it('chunksize must be an integer >= 1', async () => {
    await expect(pool.map(sqr, [1], 0)).rejects.toThrow(RangeError);
    await expect(pool.starmap(mul, [[1, 2]], -3)).rejects.toThrow(RangeError);
    expect(() => pool.mapAsync(sqr, [1], { chunksize: 1.5 })).toThrow(RangeError);
    expect(() => pool.imap(sqr, [1], 0)).toThrow(/chunksize must be an integer >= 1/);
    expect(() => pool.imapUnordered(sqr, [1], '2' as never)).toThrow(TypeError);
  });

  it('an input that is not iterable is a TypeError', async () => {
    await expect(pool.map(sqr, 5 as never)).rejects.toThrow(TypeError);
    await expect(pool.map(sqr, null as never)).rejects.toThrow(/iterable must be an iterable or async iterable/);
    expect(() => pool.imap(sqr, {} as never)).toThrow(TypeError);
    await expect(pool.starmap(mul, [1, 2] as never)).rejects.toThrow(/iterable\[0\] must be an array of arguments/);
  });

  it('bad targets, args and options are TypeErrors; uncloneable args a DataCloneError naming the path', async () => {
    expect(() => pool.applyAsync(Math.max, [])).toThrow(TypeError);
    expect(() => pool.applyAsync(sqr.bind(null), [])).toThrow(TypeError);
    expect(() => pool.applyAsync(42 as never, [])).toThrow(TypeError);
    expect(() => pool.applyAsync(sqr, 3 as never)).toThrow(/args must be an array/);
    expect(() => pool.applyAsync(sqr, [1], { callback: 3 as never })).toThrow(TypeError);
    expect(() => pool.applyAsync(sqr, [1], { signal: {} as never })).toThrow(TypeError);
    expect(() => pool.applyAsync(sqr, [1, { handler: () => 1 }])).toThrow(/args\[1\]\.handler/);
    await expect(pool.apply(sqr, [new (class Foo {})()])).rejects.toThrow(/args\[0\]/);
    await expect(pool.map(sqr, [1, 2, () => 3])).rejects.toThrow(/iterable\[2\]/);
    await expect(pool.applyAsync(sqr, [1]).get(-1)).rejects.toThrow(RangeError);
    await expect(pool.applyAsync(sqr, [1]).wait(NaN)).rejects.toThrow(RangeError);
    // Nothing was lost: the pool still works.
    expect(await pool.apply(sqr, [3])).toBe(9);
  });

  it('a result that cannot cross fails its own task with a DataCloneError', async () => {
    await expect(pool.apply(() => () => 1)).rejects.toThrow(/result/);
    expect(await pool.apply(sqr, [4])).toBe(16);
  });
});
