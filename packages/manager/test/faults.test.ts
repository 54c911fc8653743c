import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, test } from 'vitest';
import { BrokenBarrierError, ConcError, Manager, TimeoutError } from '@conc/manager';
import { exited, message, startClient, within } from './helpers.js';

Manager.register('Bomb', { module: new URL('./fixtures/counter.mjs', import.meta.url), export: 'Bomb' });
Manager.register('Counter', { module: new URL('./fixtures/counter.mjs', import.meta.url), export: 'Counter' });

describe.each(['thread', 'process'] as const)('the server dies (kind %s)', (kind) => {
  test('pending and later calls reject promptly with a ConcError, no hang', async () => {
    const manager = await Manager.start({ kind });
    const q = await manager.queue();
    const d = await manager.dict({ a: 1 });
    const pending = [q.get(), q.get({ timeout: 60_000 })];
    for (const p of pending) p.catch(() => {});
    const bomb = await manager.create('Bomb');
    expect(await bomb.explode(3)).toBe('bye');
    for (const p of pending) {
      const error = await within(p.then(() => null, (e: unknown) => e), 20_000, 'a pending call');
      expect(error).toBeInstanceOf(ConcError);
      expect((error as Error).message).toMatch(/shut down or it died/);
    }
    await expect(within(d.get('a'), 5_000, 'a later call')).rejects.toThrow(ConcError);
    await expect(within(manager.dict(), 5_000, 'a later create')).rejects.toThrow(ConcError);
    await manager.shutdown();
  });
});

test('a process server ends with the program that started it, even when that one is killed', async () => {
  const parent = spawn(process.execPath, [new URL('./fixtures/start-and-hang.mjs', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    parent.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    parent.once('exit', (code) => reject(new Error(`the program exited (${code}) before printing`)));
  });
  const { address, authkey } = JSON.parse(line) as { address: Manager['address']; authkey: string };
  const client = await Manager.connect({ address, authkey: Buffer.from(authkey, 'hex') });
  const d = await client.dict({ alive: true });
  expect(await d.get('alive')).toBe(true);
  parent.kill('SIGKILL');
  // The server notices its parent's IPC channel closing and exits: the client's calls fail.
  await expect(within(new Promise((resolve) => {
    const poll = (): void => void d.get('alive').then(() => setTimeout(poll, 50), resolve);
    poll();
  }), 20_000, 'the orphaned server')).resolves.toBeInstanceOf(ConcError);
  await client.close();
  if ('path' in address) {
    const gone = dirname(address.path);
    for (let i = 0; i < 100 && existsSync(gone); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(gone)).toBe(false);
  }
});

describe('clients die', () => {
  test('a barrier party that disconnects breaks the barrier instead of leaving the others stuck', async () => {
    await using manager = await Manager.start();
    const barrier = await manager.barrier(2);
    const worker = startClient('barrier-wait', { barrier });
    await message(worker, (m) => m === 'waiting');
    while ((await barrier.nWaiting()) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await worker.terminate();
    while (!(await barrier.broken())) await new Promise((resolve) => setTimeout(resolve, 10));
    await expect(barrier.wait()).rejects.toThrow(BrokenBarrierError);
  });

  test('a client thread dying mid-call does not disturb the server or take an item', async () => {
    await using manager = await Manager.start();
    const queue = await manager.queue<number>();
    const worker = startClient('pending-get', { queue });
    await message(worker, (m) => m === 'waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await worker.terminate();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await queue.put(1);
    expect(await queue.get(5_000)).toBe(1);
    expect(await queue.qsize()).toBe(0);
  });

  test('a client that disconnects while holding a manager lock has it released', async () => {
    await using manager = await Manager.start();
    const lock = await manager.lock();
    const rlock = await manager.rlock();
    for (const l of [lock, rlock]) {
      const worker = startClient('hold-lock', { lock: l });
      await message(worker, (m) => m === 'held');
      expect(await l.acquire(0)).toBe(false);
      const waiting = l.acquire(30_000);
      await worker.terminate();
      expect(await waiting).toBe(true);
      await l.release();
    }
  });

  test('every call has a deadline: a server that does not answer in time gives TimeoutError', async () => {
    await using manager = await Manager.start();
    const counter = await manager.create('Counter', 5);
    const impatient = await Manager.connect({ address: manager.address, authkey: manager.authkey, callTimeout: 200 });
    try {
      const same = (await (await impatient.list([counter])).get(0)) as typeof counter;
      await expect(same.slowValue(3_000)).rejects.toThrow(TimeoutError);
      expect(await counter.value()).toBe(5);
    } finally {
      await impatient.close();
    }
  });

  test('after shutdown every call rejects with a ConcError saying so', async () => {
    const manager = await Manager.start();
    const d = await manager.dict();
    await manager.shutdown();
    await expect(d.set('a', 1)).rejects.toThrow(/shut down/);
    await expect(manager.list()).rejects.toThrow(/shut down/);
    await manager.shutdown(); // twice is fine
  });

  test('a connected handle closes without stopping the server; it cannot shut it down', async () => {
    await using manager = await Manager.start();
    const client = await Manager.connect({ address: manager.address, authkey: manager.authkey });
    const d = await client.dict({ x: 1 });
    await expect(client.shutdown()).rejects.toThrow(/does not own the server/);
    await client.close();
    await expect(d.get('x')).rejects.toThrow(/closed/);
    expect(await (await manager.dict({ y: 2 })).get('y')).toBe(2);
  });

  test('a worker exiting normally does not disturb the server', async () => {
    await using manager = await Manager.start();
    const list = await manager.list<string>();
    const dict = await manager.dict<number>();
    await Promise.all([0, 1].map((id) => exited(startClient('append', { list, dict, id: `w${id}`, times: 50 }))));
    expect(await list.len()).toBe(100);
    expect(await dict.copy()).toEqual(new Map([['w0', 50], ['w1', 50]]));
  });
});
