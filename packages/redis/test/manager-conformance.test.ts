// One suite for manager proxies, run against the local Manager (a server) and the Redis one:
// the same calls must give the same results and the same errors.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BrokenBarrierError, ConditionProxy, DictProxy, EmptyError, FullError, ListProxy, LockProxy, Manager, QueueProxy,
  ShutDownError, StateError,
} from '@conc/manager';
import { Pool } from '@conc/pool';
import { Process, Thread } from '@conc/process';
import { Queue } from '@conc/queue';
import { RedisBackend } from '@conc/redis';
import { startClusterNode, startRedis, type RedisServer } from './redis-server.js';

let redis: RedisServer;
let cluster: RedisServer;
let backend: RedisBackend;
let clusterBackend: RedisBackend;
beforeAll(async () => {
  [redis, cluster] = await Promise.all([startRedis(), startClusterNode()]);
  backend = new RedisBackend({ url: redis.url, prefix: 'conformance' });
  clusterBackend = new RedisBackend({ url: cluster.url, prefix: 'conformance' });
});
afterAll(async () => {
  await backend?.close();
  await clusterBackend?.close();
  await redis?.stop();
  await cluster?.stop();
});

// The cluster-mode node runs every script with Redis Cluster's rule: all the keys of one
// command or script must hash to one slot (else CROSSSLOT), so each object's hash tag is checked.
const setups: [string, () => Promise<Manager>][] = [
  ['local', () => Manager.start()],
  ['redis', () => Manager.connect({ backend })],
  ['redis (one-node cluster)', () => Manager.connect({ backend: clusterBackend })],
];

describe.each(setups)('%s manager', (_kind, open) => {
  let manager: Manager;
  beforeAll(async () => {
    manager = await open();
  });
  afterAll(async () => {
    await manager?.close();
  });

  test('dict: keys distinct by type, insertion order, get/pop defaults, structured values', async () => {
    const d = await manager.dict<unknown>({ a: 1 });
    expect(d).toBeInstanceOf(DictProxy);
    await d.set(1, 'number');
    await d.set('1', 'string');
    await d.set(1n, 'bigint');
    await d.set(true, 'boolean');
    await d.set(null, new Map([[1n, new Set([new Date(0)])]]));
    expect(await d.len()).toBe(6);
    expect(await d.keys()).toEqual(['a', 1, '1', 1n, true, null]);
    expect(await d.get(1)).toBe('number');
    expect(await d.get('1')).toBe('string');
    expect(await d.get(null)).toEqual(new Map([[1n, new Set([new Date(0)])]]));
    expect(await d.get('missing')).toBeUndefined();
    expect(await d.get('missing', 7)).toBe(7);
    expect(await d.has(1n)).toBe(true);
    expect(await d.delete(1n)).toBe(true);
    expect(await d.delete(1n)).toBe(false);
    expect(await d.pop('a')).toBe(1);
    expect(await d.pop('a', 'dflt')).toBe('dflt');
    await expect(d.pop('a')).rejects.toThrow(RangeError);
    expect(await d.setdefault('s', 1)).toBe(1);
    expect(await d.setdefault('s', 2)).toBe(1);
    await d.update([[2, 'two'], ['x', [1, 2]]]);
    expect(await d.items()).toEqual([[1, 'number'], ['1', 'string'], [true, 'boolean'], [null, new Map([[1n, new Set([new Date(0)])]])], ['s', 1], [2, 'two'], ['x', [1, 2]]]);
    expect((await d.copy()).get(2)).toBe('two');
    await d.clear();
    expect(await d.len()).toBe(0);
    await expect(d.get({} as never)).rejects.toThrow(TypeError);
    await expect(d.set('f', (() => 1) as never)).rejects.toThrow(/function/);
  });

  test('list: Python indexes, insert clamps, pop/remove/index/count', async () => {
    const l = await manager.list<unknown>([1, 2, 3]);
    expect(l).toBeInstanceOf(ListProxy);
    await l.append(4);
    await l.extend(new Set([5, 6]));
    expect(await l.get(-1)).toBe(6);
    await l.set(0, 10);
    await l.insert(1, 'a');
    await l.insert(-100, 'first');
    await l.insert(100, 'last');
    expect(await l.copy()).toEqual(['first', 10, 'a', 2, 3, 4, 5, 6, 'last']);
    expect(await l.pop()).toBe('last');
    expect(await l.pop(0)).toBe('first');
    expect(await l.pop(1)).toBe('a');
    await l.append(2);
    expect(await l.count(2)).toBe(2);
    expect(await l.index(2)).toBe(1);
    await l.remove(2);
    expect(await l.copy()).toEqual([10, 3, 4, 5, 6, 2]);
    expect(await l.len()).toBe(6);
    await expect(l.get(6)).rejects.toThrow(RangeError);
    await expect(l.set(-7, 0)).rejects.toThrow(RangeError);
    await expect(l.remove('nope')).rejects.toThrow(RangeError);
    await expect(l.index('nope')).rejects.toThrow(RangeError);
    await expect(l.get(1.5)).rejects.toThrow(TypeError);
    const empty = await manager.list();
    await expect(empty.pop()).rejects.toThrow(RangeError);
  });

  test('namespace, value and array', async () => {
    const ns = await manager.namespace({ x: 1 });
    await ns.set('y', 'two');
    expect(await ns.get('x')).toBe(1);
    expect(await ns.get('nope')).toBeUndefined();
    expect(await ns.copy()).toEqual({ x: 1, y: 'two' });
    expect(await ns.delete('x')).toBe(true);
    const v = await manager.value('i8', 127);
    await v.set(200);
    expect(await v.get()).toBe(-56);
    const big = await manager.value<bigint>('Q');
    expect(await big.get()).toBe(0n);
    await expect(big.set(1 as never)).rejects.toThrow(TypeError);
    const a = await manager.array('f64', [1.5, 2.5]);
    await a.set(-1, 3);
    expect(await a.toArray()).toEqual([1.5, 3]);
    expect(await a.len()).toBe(2);
    expect(await a.get(0)).toBe(1.5);
    await expect(a.get(2)).rejects.toThrow(RangeError);
    const zeros = await manager.array('u8', 3);
    expect(await zeros.toArray()).toEqual([0, 0, 0]);
    await expect(manager.value('x' as never, 1)).rejects.toThrow(TypeError);
    await expect(manager.array('i32', -1)).rejects.toThrow(RangeError);
  });

  test('a proxy stored in a dict or list stays a reference', async () => {
    const d = await manager.dict();
    const l = await manager.list();
    await l.append(d);
    const inner = (await l.get(0)) as DictProxy;
    expect(inner).toBeInstanceOf(DictProxy);
    await inner.set('k', 'v');
    expect(await d.get('k')).toBe('v');
  });

  test('lock: acquire, timeout, non-blocking, release unlocked, with/guard, signal', async () => {
    const lock = await manager.lock();
    expect(lock).toBeInstanceOf(LockProxy);
    expect(await lock.acquire()).toBe(true);
    expect(await lock.locked()).toBe(true);
    const start = performance.now();
    expect(await lock.acquire(50)).toBe(false);
    expect(performance.now() - start).toBeGreaterThanOrEqual(45);
    expect(await lock.acquire({ blocking: false })).toBe(false);
    await lock.release();
    expect(await lock.locked()).toBe(false);
    await expect(lock.release()).rejects.toThrow(StateError);
    expect(await lock.with(() => 'inside')).toBe('inside');
    {
      await using _held = await lock.guard();
      expect(await lock.locked()).toBe(true);
    }
    expect(await lock.locked()).toBe(false);
    await lock.acquire();
    const aborted = lock.acquire({ signal: AbortSignal.timeout(30) });
    await expect(aborted).rejects.toThrow();
    await lock.release();
    expect(await lock.acquire(0)).toBe(true);
    await lock.release();
    await expect(lock.acquire(-1)).rejects.toThrow(RangeError);
  });

  test('a waiter gets the lock within milliseconds of its release', async () => {
    const lock = await manager.lock();
    await lock.acquire();
    const waiting = lock.acquire(5000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const released = performance.now();
    await lock.release();
    expect(await waiting).toBe(true);
    expect(performance.now() - released).toBeLessThan(1000);
    await lock.release();
  });

  test('rlock: re-entrant, counted', async () => {
    const rlock = await manager.rlock();
    expect(await rlock.acquire()).toBe(true);
    expect(await rlock.acquire()).toBe(true);
    await rlock.release();
    expect(await rlock.locked()).toBe(true);
    await rlock.release();
    expect(await rlock.locked()).toBe(false);
    await expect(rlock.release()).rejects.toThrow(StateError);
  });

  test('semaphore and bounded semaphore', async () => {
    const sem = await manager.semaphore(2);
    expect(await sem.acquire()).toBe(true);
    expect(await sem.acquire()).toBe(true);
    expect(await sem.value()).toBe(0);
    expect(await sem.acquire(30)).toBe(false);
    await sem.release(2);
    expect(await sem.value()).toBe(2);
    await sem.release();
    expect(await sem.value()).toBe(3);
    await expect(sem.release(0)).rejects.toThrow(RangeError);
    const bounded = await manager.boundedSemaphore(1);
    await expect(bounded.release()).rejects.toThrow(StateError);
    await bounded.acquire();
    await bounded.release();
    expect(await bounded.value()).toBe(1);
    await expect(manager.semaphore(-1)).rejects.toThrow(RangeError);
    await expect(manager.semaphore(1.5)).rejects.toThrow(TypeError);
  });

  test('event: wait, set, clear, timeout', async () => {
    const event = await manager.event();
    expect(await event.isSet()).toBe(false);
    expect(await event.wait(20)).toBe(false);
    setTimeout(() => void event.set(), 30);
    expect(await event.wait(5000)).toBe(true);
    expect(await event.isSet()).toBe(true);
    await event.clear();
    expect(await event.wait(0)).toBe(false);
  });

  test('condition: wait/notify, timeout, un-acquired errors, waitFor', async () => {
    const cond = await manager.condition();
    expect(cond).toBeInstanceOf(ConditionProxy);
    await expect(cond.wait(10)).rejects.toThrow(StateError);
    await expect(cond.notify()).rejects.toThrow(StateError);
    await cond.acquire();
    expect(await cond.wait(20)).toBe(false);
    const other = await manager.event();
    const notifier = (async () => {
      await other.wait(5000);
      await cond.with(async () => cond.notifyAll());
    })();
    const waited = cond.wait(5000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await other.set();
    expect(await waited).toBe(true);
    await notifier;
    await cond.release();
    const lock = await manager.lock();
    const overLock = await manager.condition(lock);
    await overLock.acquire();
    expect(await lock.locked()).toBe(true);
    let n = 0;
    expect(await overLock.waitFor(() => ++n >= 2, 50)).toBe(true);
    expect(n).toBe(2);
    await overLock.release();
  });

  test('barrier: indexes, broken by timeout, reset, abort', async () => {
    const barrier = await manager.barrier(3);
    expect(await barrier.parties()).toBe(3);
    const indexes = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
    expect(indexes.sort()).toEqual([0, 1, 2]);
    const lone = barrier.wait(30);
    await expect(lone).rejects.toThrow(BrokenBarrierError);
    expect(await barrier.broken()).toBe(true);
    await expect(barrier.wait()).rejects.toThrow(BrokenBarrierError);
    await barrier.reset();
    expect(await barrier.broken()).toBe(false);
    const waiting = barrier.wait(5000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await barrier.nWaiting()).toBe(1);
    await barrier.abort();
    await expect(waiting).rejects.toThrow(BrokenBarrierError);
    await expect(manager.barrier(0)).rejects.toThrow(RangeError);
  });

  test('queue: FIFO, full/empty, taskDone/join, shutdown', async () => {
    const q = await manager.queue<number>(2);
    expect(q).toBeInstanceOf(QueueProxy);
    await q.put(1);
    await q.put(2);
    expect(await q.full()).toBe(true);
    await expect(q.put(3, 20)).rejects.toThrow(FullError);
    await expect(q.putNowait(3)).rejects.toThrow(FullError);
    expect(await q.qsize()).toBe(2);
    expect(await q.get()).toBe(1);
    expect(await q.getNowait()).toBe(2);
    await expect(q.get(20)).rejects.toThrow(EmptyError);
    expect(await q.join(20)).toBe(false);
    await q.taskDone();
    await q.taskDone();
    await expect(q.taskDone()).rejects.toThrow(StateError);
    expect(await q.join(1000)).toBe(true);
    const getter = q.get(5000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await q.put(9);
    expect(await getter).toBe(9);
    await q.taskDone();
    await q.put(10);
    await q.shutdown();
    await expect(q.put(11)).rejects.toThrow(ShutDownError);
    expect(await q.get()).toBe(10);
    await expect(q.get()).rejects.toThrow(ShutDownError);
    const items: number[] = [];
    for await (const item of q) items.push(item);
    expect(items).toEqual([]);
  });

  test('proxies cross to a thread and a process and act on the same objects', async () => {
    const d = await manager.dict();
    const lock = await manager.lock();
    const q = await manager.queue();
    const thread = new Thread({
      target: async (dict: DictProxy, l: LockProxy, queue: QueueProxy) => {
        await l.with(() => dict.set('thread', true));
        await queue.put({ from: 'thread', dict });
      },
      args: [d, lock, q],
    });
    thread.start();
    const fromThread = (await q.get(20_000)) as { from: string; dict: DictProxy };
    expect(fromThread.from).toBe('thread');
    await fromThread.dict.set('back', 1);
    expect(await thread.join(20_000)).toBe(true);
    const child = new Process({
      target: async (dict: DictProxy) => {
        await dict.set('process', process.pid);
      },
      args: [d],
    });
    child.start();
    expect(await child.join(30_000)).toBe(true);
    expect(child.exitCode).toBe(0);
    expect(await d.get('thread')).toBe(true);
    expect(await d.get('back')).toBe(1);
    expect(await d.get('process')).toBe(child.pid);
  });

  test('proxies cross as pool task arguments and results, and as items of a @conc/queue Queue', async () => {
    const d = await manager.dict();
    await using pool = new Pool({ processes: 1 });
    const back = await pool.apply(async (dict: DictProxy) => {
      await dict.set('pool', 'task');
      return { dict };
    }, [d]);
    await back.dict.set('result', true);
    expect(await d.get('pool')).toBe('task');
    expect(await d.get('result')).toBe(true);
    const items = new Queue<{ lock: LockProxy; dict: DictProxy }>();
    const lock = await manager.lock();
    const thread = new Thread({
      target: async (q: Queue<{ lock: LockProxy; dict: DictProxy }>) => {
        const { lock: l, dict } = await q.get();
        await l.with(() => dict.set('queued', 'item'));
      },
      args: [items],
    });
    thread.start();
    await items.put({ lock, dict: d });
    expect(await thread.join(20_000)).toBe(true);
    expect(await d.get('queued')).toBe('item');
  });
});
