// What only the Redis-backed manager has: objects shared by name, leases and fencing tokens,
// one hash tag per object, values that cross machines (and shared memory that cannot).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataCloneError, DictProxy, Manager, StateError } from '@conc/manager';
import { Thread } from '@conc/process';
import { Lock } from '@conc/sync';
import { RedisBackend } from '@conc/redis';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from './redis-server.js';

let redis: RedisServer;
let backend: RedisBackend;
let manager: Manager;
let raw: Redis;
beforeAll(async () => {
  redis = await startRedis();
  backend = new RedisBackend({ url: redis.url, prefix: 'named' });
  manager = await Manager.connect({ backend });
  raw = new Redis(redis.url);
});
afterAll(async () => {
  raw?.disconnect();
  await manager?.close();
  await backend?.close();
  await redis?.stop();
});

describe('objects shared by name', () => {
  test('every client asking for a name and type gets the same object; init applies only on creation', async () => {
    const other = await Manager.connect({ backend });
    try {
      const a = await manager.dict<unknown>({ first: 1 }, { name: 'settings' });
      const b = await other.dict<unknown>({ second: 2 }, { name: 'settings' });
      await b.set('from', 'b');
      expect(await a.copy()).toEqual(new Map<unknown, unknown>([['first', 1], ['from', 'b']]));
      expect(a.id).toBe(b.id);
      const s1 = await manager.semaphore(2, { name: 'slots' });
      const s2 = await other.semaphore(5, { name: 'slots' });
      expect(await s2.value()).toBe(2);
      await s1.acquire();
      expect(await s2.value()).toBe(1);
    } finally {
      await other.close();
    }
  });

  test('the same name with another type is a StateError; unnamed objects are new each time', async () => {
    await manager.queue(0, { name: 'jobs' });
    await expect(manager.dict(undefined, { name: 'jobs' })).rejects.toThrow(StateError);
    const x = await manager.dict();
    const y = await manager.dict();
    await x.set(1, 1);
    expect(await y.len()).toBe(0);
  });

  test('bad options are a TypeError/RangeError at the call; a local manager refuses names and leases', async () => {
    await expect(manager.dict(undefined, { name: '' })).rejects.toThrow(TypeError);
    await expect(manager.dict(undefined, { name: 'a:b' })).rejects.toThrow(TypeError);
    await expect(manager.lock({ lease: 0 })).rejects.toThrow(RangeError);
    await expect(manager.dict(undefined, { lease: 100 } as never)).rejects.toThrow(TypeError);
    await expect(manager.create('Counter')).rejects.toThrow(TypeError);
    await using local = await Manager.start();
    await expect(local.dict(undefined, { name: 'x' })).rejects.toThrow(/backend/);
    await expect(local.lock({ lease: 1000 })).rejects.toThrow(/backend/);
    expect(() => manager.address).toThrow(StateError);
  });
});

describe('keys', () => {
  test('every key of one object shares one hash tag, and starts with the prefix', async () => {
    const makers = [
      () => manager.dict({ a: 1 }, { name: 'tag-dict' }), () => manager.list([1], { name: 'tag-list' }),
      () => manager.namespace({ a: 1 }, { name: 'tag-ns' }), () => manager.value('i32', 1, { name: 'tag-value' }),
      () => manager.array('i32', [1], { name: 'tag-array' }), () => manager.semaphore(1, { name: 'tag-sem' }),
      () => manager.queue(0, { name: 'tag-queue' }), () => manager.barrier(2, { name: 'tag-barrier' }),
    ];
    for (const make of makers) await make();
    const lock = await manager.lock({ name: 'tag-lock' });
    await lock.acquire();
    const q = await manager.queue(0, { name: 'tag-queue' });
    await q.put(1);
    const keys = await raw.keys('*');
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) {
      expect(key.startsWith('named:')).toBe(true);
      const tag = /\{([^}]*)\}/.exec(key)?.[1];
      if (key === 'named:manager:ids') continue;
      expect(tag, key).toMatch(/^manager:[^:{}\s]+$/);
    }
    const lockKeys = keys.filter((key) => key.includes('{manager:tag-lock}'));
    expect(lockKeys.sort()).toEqual(['named:{manager:tag-lock}:fence', 'named:{manager:tag-lock}:lock', 'named:{manager:tag-lock}:meta']);
    await lock.release();
  });
});

describe('leases and fencing tokens', () => {
  test('every acquire gets a larger fencing token, across clients', async () => {
    const other = await Manager.connect({ backend });
    try {
      const a = await manager.lock({ name: 'fenced' });
      const b = await other.lock({ name: 'fenced' });
      expect(a.fencingToken).toBeUndefined();
      const tokens: number[] = [];
      for (let i = 0; i < 3; i++) {
        for (const lock of [a, b]) {
          await lock.acquire();
          tokens.push(lock.fencingToken!);
          await lock.release();
        }
      }
      expect(tokens).toEqual([...tokens].sort((x, y) => x - y));
      expect(new Set(tokens).size).toBe(tokens.length);
    } finally {
      await other.close();
    }
  });

  test('an abort while the winning try is on its way gives the lock or permit back', async () => {
    const lock = await manager.lock();
    const sem = await manager.semaphore(1);
    for (const object of [lock, sem]) {
      const controller = new AbortController();
      const acquiring = object.acquire({ signal: controller.signal });
      controller.abort(new Error('changed my mind'));
      await expect(acquiring).rejects.toThrow('changed my mind');
    }
    expect(await lock.locked()).toBe(false);
    expect(await sem.value()).toBe(1);
  });

  test('an RLock held by one thread cannot be released by another', async () => {
    const rlock = await manager.rlock();
    await rlock.acquire();
    const thread = new Thread({
      target: async (l: { release(): Promise<void> }) => l.release(),
      args: [rlock],
    });
    thread.start();
    await thread.join(20_000);
    expect(thread.exception?.name).toBe('StateError');
    expect(await rlock.locked()).toBe(true);
    await rlock.release();
  });

  test('a Lock may be released by another thread (threading.Lock)', async () => {
    const lock = await manager.lock();
    await lock.acquire();
    const thread = new Thread({ target: async (l: { release(): Promise<void> }) => l.release(), args: [lock] });
    thread.start();
    expect(await thread.join(20_000)).toBe(true);
    expect(thread.exception).toBeUndefined();
    expect(await lock.locked()).toBe(false);
  });
});

describe('values through Redis', () => {
  test('structured-clone values keep their types', async () => {
    const d = await manager.dict();
    const value = {
      map: new Map<unknown, unknown>([[1, 'one'], ['k', new Set([1n, 2n])]]),
      date: new Date(12345), bytes: new Uint8Array([1, 2, 3]), floats: new Float64Array([0.5]),
      error: new RangeError('kept'), big: 2n ** 70n, nested: [{ a: undefined, b: null, c: NaN }],
    };
    await d.set('v', value);
    const back = (await d.get('v')) as typeof value;
    expect(back).toEqual(value);
    expect(back.error).toBeInstanceOf(RangeError);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
  });

  test('shared-memory objects cannot be stored in Redis (DataCloneError naming the value), nothing is stored', async () => {
    const d = await manager.dict();
    await expect(d.set('lock', { inner: new Lock() })).rejects.toThrow(DataCloneError);
    await expect(d.set('lock', { inner: new Lock() })).rejects.toThrow(/value\.inner: .*machine/);
    expect(await d.len()).toBe(0);
  });

  test('a proxy stored in Redis keeps no URL (no password at rest) and comes back on the reader\'s connection', async () => {
    const d = await manager.dict(undefined, { name: 'holder' });
    const inner = await manager.list([1]);
    await d.set('list', inner);
    const stored = await raw.hget('named:{manager:holder}:data', 's:list');
    expect(stored).toContain('"typeid":"list"');
    expect(stored).not.toContain('redis://');
    const other = await Manager.connect({ backend });
    try {
      const again = (await (await other.dict(undefined, { name: 'holder' })).get('list')) as { copy(): Promise<unknown[]> };
      expect(await again.copy()).toEqual([1]);
    } finally {
      await other.close();
    }
  });

  test('a dict proxy crossing to a thread is a DictProxy there', async () => {
    const d = await manager.dict();
    const thread = new Thread({
      target: async (dict: { set(k: string, v: unknown): Promise<void>; constructor: { name: string } }) => dict.set('class', dict.constructor.name),
      args: [d],
    });
    thread.start();
    await thread.join(20_000);
    expect(await d.get('class')).toBe(DictProxy.name);
  });
});
