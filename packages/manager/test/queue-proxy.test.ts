import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EmptyError, FullError, Manager, ShutDownError, StateError } from '@conc/manager';
import { exited, startClient } from './helpers.js';

let manager: Manager;
beforeAll(async () => {
  manager = await Manager.start();
});
afterAll(async () => {
  await manager.shutdown();
});

describe('queue (CPython test_queue)', () => {
  test('FIFO, bounds, nowait, timeouts', async () => {
    const q = await manager.queue<number>(2);
    await q.put(1);
    await q.putNowait(2);
    expect(await q.full()).toBe(true);
    await expect(q.putNowait(3)).rejects.toThrow(FullError);
    await expect(q.put(3, 30)).rejects.toThrow(FullError);
    expect(await q.qsize()).toBe(2);
    expect(await q.get()).toBe(1);
    expect(await q.getNowait()).toBe(2);
    expect(await q.empty()).toBe(true);
    await expect(q.getNowait()).rejects.toThrow(EmptyError);
    await expect(q.get(30)).rejects.toThrow(EmptyError);
  });

  test('a blocked put proceeds when a get makes room; a blocked get when a put arrives', async () => {
    const q = await manager.queue<string>(1);
    await q.put('a');
    const putting = q.put('b', 30_000);
    expect(await q.get()).toBe('a');
    await putting;
    expect(await q.get()).toBe('b');
    const getting = q.get(30_000);
    await q.put('c');
    expect(await getting).toBe('c');
  });

  test('abort of a get takes nothing', async () => {
    const q = await manager.queue<number>();
    const controller = new AbortController();
    const getting = q.get({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('enough')), 30);
    await expect(getting).rejects.toThrow('enough');
    await q.put(7);
    expect(await q.get(0)).toBe(7);
  });

  test('taskDone/join, too many taskDone', async () => {
    const q = await manager.queue<number>();
    expect(await q.join(0)).toBe(true);
    await q.put(1);
    expect(await q.join(20)).toBe(false);
    await q.get();
    await q.taskDone();
    expect(await q.join(1000)).toBe(true);
    await expect(q.taskDone()).rejects.toThrow(StateError);
  });

  test('shutdown: put fails, get drains then fails, async iteration ends', async () => {
    const q = await manager.queue<number>();
    await q.put(1);
    await q.put(2);
    const blocked = (await manager.queue<number>());
    const waiting = blocked.get();
    await blocked.shutdown();
    await expect(waiting).rejects.toThrow(ShutDownError);
    await q.shutdown();
    await expect(q.put(3)).rejects.toThrow(ShutDownError);
    const seen: number[] = [];
    for await (const item of q) seen.push(item);
    expect(seen).toEqual([1, 2]);
    const dropped = await manager.queue<number>();
    await dropped.put(1);
    await dropped.shutdown(true);
    await expect(dropped.get(0)).rejects.toThrow(ShutDownError);
    expect(await dropped.join(0)).toBe(true);
  });

  test('producers here, 3 consumer threads: every item exactly once', async () => {
    const queue = await manager.queue<number>(10);
    const results = await manager.list<number>();
    const workers = Array.from({ length: 3 }, () => startClient('consume', { queue, results }));
    for (let i = 0; i < 300; i++) await queue.put(i);
    expect(await queue.join(60_000)).toBe(true);
    await queue.shutdown();
    await Promise.all(workers.map(exited));
    const got = (await results.copy()).sort((a, b) => a - b);
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i * 2));
  });

  test('a big item crosses', async () => {
    const q = await manager.queue<Uint8Array>();
    const big = new Uint8Array(20 * 1024 * 1024).fill(7);
    await q.put(big);
    const back = await q.get();
    expect(back.length).toBe(big.length);
    expect(back[back.length - 1]).toBe(7);
  });
});
