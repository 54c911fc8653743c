import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcError, DataCloneError, RemoteError, StateError, TimeoutError, WorkerCrashedError } from '@conc/core';
import { Manager, type DictProxy } from '@conc/manager';
import { Pool } from '@conc/pool';
import { RedisBackend } from '@conc/redis';
import { Lock } from '@conc/sync';
import { startRedis, type RedisServer } from './redis-server.js';

let server: RedisServer;
let backend: RedisBackend;
let queues = 0;
/** A pool on a queue of its own, so tests do not share work. */
const newPool = (options: Record<string, unknown> = {}): Pool => new Pool({ backend, name: `q${++queues}`, processes: 2, ...options });
const tasks = new URL('./fixtures/tasks.mjs', import.meta.url);

beforeAll(async () => {
  server = await startRedis();
  backend = new RedisBackend({ url: server.url, prefix: 'test' });
});
afterAll(async () => {
  await backend.close();
  await server.stop();
});

async function keysOf(name: string): Promise<string[]> {
  const redis = backend.connect();
  try {
    return (await redis.keys(`test:{pool:${name}}:*`)).sort();
  } finally {
    redis.disconnect();
  }
}

describe('Pool on Redis: the members of the local Pool', () => {
  it('apply, applyAsync with callbacks, module and function targets (test_apply, test_async)', async () => {
    await using pool = newPool();
    expect(await pool.apply((a: number, b: number) => a + b, [2, 3])).toBe(5);
    expect(await pool.apply({ module: tasks, export: 'double' }, [21])).toBe(42);
    const seen: unknown[] = [];
    const result = pool.applyAsync((x: number) => x * x, [7], { callback: (value) => seen.push(value) });
    expect(await result.get(10_000)).toBe(49);
    expect(seen).toEqual([49]);
    expect(result.successful()).toBe(true);
  });

  it('structured-clone values cross both ways (Map, Set, BigInt, Date, typed arrays, errors)', async () => {
    await using pool = newPool({ processes: 1 });
    const value = { m: new Map([[1n, new Set(['a'])]]), d: new Date(5), f: new Float32Array([1.5]), e: new RangeError('x'), n: NaN };
    const back = await pool.apply((v: unknown) => v, [value]);
    expect(back).toStrictEqual(structuredClone(value));
  });

  it("a task's error comes back as its class; others as RemoteError (test_async_error_callback)", async () => {
    await using pool = newPool({ processes: 1 });
    await expect(pool.apply(() => { throw new TypeError('bad'); })).rejects.toThrow(TypeError);
    class Custom extends Error {}
    void Custom;
    const error = await pool.apply(() => { class Mine extends Error { override name = 'Mine'; } throw new Mine('m'); }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).name).toBe('Mine');
    const errors: unknown[] = [];
    const result = pool.applyAsync(() => { throw new RangeError('r'); }, [], { errorCallback: (e) => errors.push(e) });
    await result.wait(10_000);
    expect(result.successful()).toBe(false);
    expect(errors[0]).toBeInstanceOf(RangeError);
  });

  it('map, mapAsync, starmap keep input order; a map of 100k tiny tasks is a few jobs (test_map, test_starmap)', async () => {
    await using pool = newPool();
    const name = `q${queues}`;
    const input = Array.from({ length: 100_000 }, (_, i) => i);
    const doubled = await pool.map((x: number) => x * 2, input);
    expect(doubled.length).toBe(100_000);
    expect(doubled.every((v, i) => v === i * 2)).toBe(true);
    const redis = backend.connect();
    const jobs = Number(await redis.get(`test:{pool:${name}}:${name}:id`));
    redis.disconnect();
    expect(jobs).toBeGreaterThan(0);
    expect(jobs).toBeLessThanOrEqual(128);
    expect(await pool.map((x: number) => x + 1, [3, 1, 2], 1)).toEqual([4, 2, 3]);
    expect(await pool.starmap((a: number, b: number) => a * b, [[1, 2], [3, 4]])).toEqual([2, 12]);
    const got: unknown[] = [];
    const result = pool.mapAsync((s: string) => s.toUpperCase(), ['a', 'b'], { callback: (v) => got.push(v) });
    expect(await result).toEqual(['A', 'B']);
    expect(got).toEqual([['A', 'B']]);
    expect(await pool.map((x: number) => x, [])).toEqual([]);
  });

  it('imap in order, imapUnordered in completion order; an endless imap keeps a bounded number of tasks in Redis (test_imap)', async () => {
    await using pool = newPool();
    const ordered: number[] = [];
    for await (const v of pool.imap(async (ms: number) => { await new Promise((r) => setTimeout(r, ms)); return ms; }, [60, 10, 30])) ordered.push(v);
    expect(ordered).toEqual([60, 10, 30]);
    const unordered: number[] = [];
    for await (const v of pool.imapUnordered(async (ms: number) => { await new Promise((r) => setTimeout(r, ms)); return ms; }, [400, 10])) unordered.push(v);
    expect(unordered).toEqual([10, 400]);
    let pulled = 0;
    function* endless(): Generator<number> {
      for (let i = 0; ; i++) {
        pulled = i;
        yield i;
      }
    }
    const iterator = pool.imap((x: number) => x, endless(), 4);
    expect((await iterator.next()).value).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(pulled).toBeLessThan(20_000);
    const before = pulled;
    await new Promise((r) => setTimeout(r, 300));
    expect(pulled).toBe(before); // not consuming: not pulling
    let count = 1;
    for await (const v of iterator) {
      expect(v).toBe(count);
      if (++count === 5000) break;
    }
  });

  it('a Redis-backed manager proxy crosses to the task and back, and stays the same object', async () => {
    await using pool = newPool({ processes: 1 });
    await using manager = await Manager.connect({ backend });
    const d = await manager.dict<number, string>({}, { name: `seen-${queues}` });
    const back = await pool.apply(async (dict: DictProxy<string, number>, key: string) => {
      await dict.set(key, 42);
      return dict;
    }, [d, 'from-task']);
    expect(await d.get('from-task')).toBe(42);
    await (back as DictProxy<string, number>).set('from-caller', 1);
    expect(await d.get('from-caller')).toBe(1);
  });

  it('arguments that cannot cross machines are a DataCloneError at the call, naming the path', async () => {
    await using pool = newPool({ processes: 0 });
    expect(() => pool.applyAsync((x: unknown) => x, [1, { lock: new Lock() }])).toThrow(DataCloneError);
    expect(() => pool.applyAsync((x: unknown) => x, [1, { lock: new Lock() }])).toThrow(/args\[1\]\.lock/);
    await expect(pool.map((x: unknown) => x, [1, () => 2])).rejects.toThrow(/iterable\[1\]/);
  });

  it('results and job records are deleted once delivered: no per-task keys remain', async () => {
    const pool = newPool();
    const name = `q${queues}`;
    await pool.map((x: number) => x + 1, Array.from({ length: 1000 }, (_, i) => i), 10);
    await pool.apply(() => 1);
    pool.close();
    await pool.join();
    const keys = await keysOf(name);
    const base = `test:{pool:${name}}:${name}`;
    for (const key of keys) expect([`${base}:id`, `${base}:meta`, `${base}:events`, `${base}:stalled-check`, `${base}:conc:config`, `${base}:marker`]).toContain(key);
  });

  it('terminate() cancels queued and running tasks: they reject with StateError and leave nothing behind (test_terminate)', async () => {
    const pool = newPool({ processes: 1 });
    const name = `q${queues}`;
    const started = Date.now();
    const running = pool.applyAsync(() => { for (;;); }); // only ending its worker stops it
    const queued = pool.map(async (x: number) => { await new Promise((r) => setTimeout(r, 1000)); return x; }, [1, 2, 3, 4], 1);
    await new Promise((r) => setTimeout(r, 500));
    await pool.terminate();
    await expect(running.get()).rejects.toThrow(StateError);
    await expect(queued).rejects.toThrow(StateError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(() => pool.applyAsync(() => 1)).toThrow(StateError);
    const keys = await keysOf(name);
    expect(keys.filter((key) => /:(wait|active|prioritized|paused|\d+)$|conc:(alive|results)/.test(key)).join(' ')).toBe('');
  });

  it('get(timeout) rejects with TimeoutError; close() then join() waits for the tasks; submitting after close is a StateError', async () => {
    const pool = newPool({ processes: 1 });
    const slow = pool.applyAsync(async () => { await new Promise((r) => setTimeout(r, 300)); return 'done'; });
    await expect(slow.get(10)).rejects.toThrow(TimeoutError);
    pool.close();
    expect(() => pool.applyAsync(() => 1)).toThrow(StateError);
    await pool.join();
    expect(await slow).toBe('done');
  });

  it("the pool's own workers run its initializer; one that fails fails their tasks with WorkerCrashedError", async () => {
    {
      await using pool = newPool({ processes: 1, initializer: (greeting: string) => ((globalThis as { greeting?: string }).greeting = greeting), initargs: ['hi'] });
      expect(await pool.apply(() => (globalThis as { greeting?: string }).greeting)).toBe('hi');
    }
    await using broken = newPool({ processes: 1, initializer: () => { throw new RangeError('no'); } });
    const error = await broken.apply(() => 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(((error as Error).cause as Error).message).toBe('no');
  });

  it('checks its options', () => {
    expect(() => new Pool({ backend, name: 'a:b' })).toThrow(TypeError);
    expect(() => new Pool({ backend, retries: -1 })).toThrow(RangeError);
    expect(() => new Pool({ backend, stalledInterval: 'x' as never })).toThrow(TypeError);
    expect(() => new Pool({ backend, processes: -1 })).toThrow(RangeError);
    expect(() => new Pool({ backend: {} as never })).toThrow(TypeError);
    expect(() => new Pool({ processes: 1, retries: 1 })).toThrow(/backend/);
  });

  it('a backend that is closed refuses new pools', async () => {
    const closed = new RedisBackend({ url: server.url, prefix: 'closed' });
    await closed.close();
    expect(() => new Pool({ backend: closed })).toThrow(StateError);
    expect(ConcError).toBeDefined();
  });
});
