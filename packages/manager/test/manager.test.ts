import { describe, expect, test } from 'vitest';
import { BaseProxy, CustomProxy, DictProxy, Manager } from '@conc/manager';
import { exited, message, startClient } from './helpers.js';

Manager.register('Counter', { module: new URL('./fixtures/counter.mjs', import.meta.url), export: 'Counter' });
Manager.register('DefaultCounter', { module: new URL('./fixtures/counter.mjs', import.meta.url) });

describe('start, connect, shutdown', () => {
  test.each(['thread', 'process'] as const)('kind %s over TCP with port 0, reached by Manager.connect from a thread', async (kind) => {
    await using manager = await Manager.start({ kind, address: { host: '127.0.0.1', port: 0 }, authkey: new Uint8Array([1, 2, 3]) });
    expect('port' in manager.address && manager.address.port).toBeGreaterThan(0);
    const worker = startClient('connect', { address: manager.address, authkey: manager.authkey });
    const { id } = await message<{ id: number }>(worker, (m) => typeof m === 'object' && m !== null && 'id' in m);
    await exited(worker);
    // The dict the worker made is still on the server after it disconnected.
    const d = await manager.dict();
    expect(d.id).toBeGreaterThan(id);
  });

  test('the thread server keeps serving while the main thread is blocked in Atomics.wait', async () => {
    await using manager = await Manager.start();
    const dict = await manager.dict<number, number>();
    const word = new SharedArrayBuffer(4);
    const worker = startClient('signal-when-done', { dict, times: 100 }, { signal: word });
    // Blocks this thread's event loop: only a server off the main thread can answer the worker.
    const result = Atomics.wait(new Int32Array(word), 0, 0, 30_000);
    expect(result).toBe('ok');
    await exited(worker);
    expect(await dict.len()).toBe(100);
    expect(await dict.get(9)).toBe(81);
  });

  test('await using shuts down; a connected handle only closes', async () => {
    let d: DictProxy;
    {
      await using manager = await Manager.start();
      d = await manager.dict();
      {
        await using client = await Manager.connect({ address: manager.address, authkey: manager.authkey });
        await (await client.dict()).set(1, 1);
      }
      await d.set('alive', true);
    }
    await expect(d.get('alive')).rejects.toThrow(/shut down/);
  });
});

describe('custom types (register/create)', () => {
  test('public methods are exposed and run on the server; errors come back as their class', async () => {
    await using manager = await Manager.start();
    const counter = await manager.create('Counter', 10);
    expect(counter).toBeInstanceOf(CustomProxy);
    expect(counter).toBeInstanceOf(BaseProxy);
    expect([...counter.methods].sort()).toEqual(['fail', 'increment', 'slowValue', 'value']);
    expect(await counter.increment()).toBe(11);
    expect(await counter.increment(4)).toBe(15);
    expect(await counter.slowValue(10)).toBe(15);
    await expect(counter.fail()).rejects.toThrow(RangeError);
    expect(counter._secret).toBeUndefined();
    const byDefault = await manager.create('DefaultCounter');
    expect(await byDefault.value()).toBe(0);
  });

  test('a custom proxy crosses to a thread and back through a dict, still the same object', async () => {
    await using manager = await Manager.start();
    const counter = await manager.create('Counter', 0);
    const holder = await manager.dict<CustomProxy>();
    await holder.set('c', counter);
    const again = (await holder.get('c'))!;
    expect(again.methods).toEqual(counter.methods);
    await again.increment(2);
    expect(await counter.value()).toBe(2);
  });
});

describe('tracing', () => {
  test('proxy calls publish on @conc/trace when someone listens', async () => {
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const events: { type: string; kind: string; id: number; method: string }[] = [];
    const listener = (event: unknown): void => void events.push(event as (typeof events)[number]);
    await using manager = await Manager.start();
    const lock = await manager.lock();
    subscribe('@conc/trace', listener);
    try {
      await lock.acquire();
      expect(await lock.acquire(0)).toBe(false);
      await lock.release();
    } finally {
      unsubscribe('@conc/trace', listener);
    }
    const done = events.filter((e) => e.type !== 'call');
    expect(done.map((e) => e.type)).toEqual(['acquire', 'timeout', 'release']);
    expect(new Set(done.map((e) => `${e.kind}#${e.id}`))).toEqual(new Set([`LockProxy#${lock.id}`]));
  });
});
