// Faults with a real redis-server and real processes: a lock holder killed, a holder paused
// past its lease, Redis itself going away and coming back.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BrokenBarrierError, ConcError, Manager } from '@conc/manager';
import { RedisBackend } from '@conc/redis';
import { startRedis, type RedisServer } from './redis-server.js';

const holderScript = fileURLToPath(new URL('./fixtures/lock-holder.mjs', import.meta.url));
const barrierScript = fileURLToPath(new URL('./fixtures/barrier-waiter.mjs', import.meta.url));
const conditionScript = fileURLToPath(new URL('./fixtures/condition-waiter.mjs', import.meta.url));
const LEASE = 400;

let redis: RedisServer;
let backend: RedisBackend;
let manager: Manager;
beforeAll(async () => {
  redis = await startRedis();
  backend = new RedisBackend({ url: redis.url, prefix: 'faults' });
  manager = await Manager.connect({ backend, callTimeout: 3000 });
});
afterAll(async () => {
  await manager?.close();
  await backend?.close();
  await redis?.stop();
});

interface Holder {
  child: ChildProcess;
  next(): Promise<Record<string, unknown>>;
}

/** Starts a process that takes `name` and resolves once it holds it, with its fencing token. */
async function startHolder(kind: 'lock' | 'semaphore', name: string): Promise<Holder & { token: number }> {
  const child = spawn(process.execPath, [holderScript, redis.url, kind, name, String(LEASE)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done) throw new Error('the holder process ended without answering');
    return JSON.parse(line.value as string) as Record<string, unknown>;
  };
  const { token } = await next();
  return { child, next, token: token as number };
}

describe('a holder that dies or stalls loses its lease', () => {
  test('lock holder SIGKILLed: another client gets the lock after the lease, with a larger fencing token', async () => {
    const holder = await startHolder('lock', 'killed');
    const lock = await manager.lock({ name: 'killed', lease: LEASE });
    expect(await lock.locked()).toBe(true);
    holder.child.kill('SIGKILL');
    await once(holder.child, 'exit');
    expect(await lock.acquire(10 * LEASE)).toBe(true);
    expect(lock.fencingToken).toBeGreaterThan(holder.token);
    await lock.release();
  });

  test('lock holder SIGSTOPped past its lease: its late release is refused, the new holder keeps the lock', async () => {
    const holder = await startHolder('lock', 'paused');
    const lock = await manager.lock({ name: 'paused', lease: LEASE });
    holder.child.kill('SIGSTOP');
    try {
      expect(await lock.acquire(10 * LEASE)).toBe(true);
      expect(lock.fencingToken).toBeGreaterThan(holder.token);
    } finally {
      holder.child.kill('SIGCONT');
    }
    holder.child.stdin!.write('release\n');
    const answer = await holder.next();
    expect(answer['error']).toMatch(/^StateError: .*lease/);
    expect(await lock.locked()).toBe(true);
    await lock.release();
    await once(holder.child, 'exit');
  });

  test('semaphore permit of a SIGKILLed holder comes back after the lease', async () => {
    const holder = await startHolder('semaphore', 'sem-killed');
    const sem = await manager.semaphore(1, { name: 'sem-killed', lease: LEASE });
    expect(await sem.acquire(0)).toBe(false);
    holder.child.kill('SIGKILL');
    await once(holder.child, 'exit');
    expect(await sem.acquire(10 * LEASE)).toBe(true);
    expect(sem.fencingToken).toBeGreaterThan(holder.token);
    await sem.release();
    expect(await sem.value()).toBe(1);
  });

  test('a live holder keeps its lock past many leases (renewed)', async () => {
    // A lease long enough that a loaded machine's pauses do not make it run out between renewals.
    const lock = await manager.lock({ name: 'renewed', lease: 1000 });
    await lock.acquire();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const other = await Manager.connect({ backend });
    try {
      const same = await other.lock({ name: 'renewed' });
      expect(await same.acquire(0)).toBe(false);
      await lock.release();
      expect(await same.acquire(0)).toBe(true);
      await same.release();
    } finally {
      await other.close();
    }
  });
});

describe('a party that dies while waiting at a barrier', () => {
  test('breaks it: the others get BrokenBarrierError within seconds', async () => {
    const child = spawn(process.execPath, [barrierScript, redis.url, 'dying-party'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    expect(JSON.parse((await lines.next()).value as string)).toEqual({ waiting: true });
    const barrier = await manager.barrier(3, { name: 'dying-party' });
    const waiting = barrier.wait(30_000);
    waiting.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGKILL');
    await once(child, 'exit');
    await expect(waiting).rejects.toThrow(BrokenBarrierError);
    expect(await barrier.broken()).toBe(true);
  });
});

describe('a condition waiter that dies', () => {
  test('is skipped by notify: a live waiter gets the notification', async () => {
    const child = spawn(process.execPath, [conditionScript, redis.url, 'dying-waiter'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    expect(JSON.parse((await lines.next()).value as string)).toEqual({ waiting: true });
    child.kill('SIGKILL');
    await once(child, 'exit');
    // Past the dead waiter's lease (3 s), a live waiter queues behind it.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const condition = await manager.condition(undefined, { name: 'dying-waiter' });
    await condition.acquire();
    const woken = condition.wait(20_000);
    const other = await Manager.connect({ backend });
    try {
      const notifier = await other.condition(undefined, { name: 'dying-waiter' });
      await notifier.with(() => notifier.notify(1));
      expect(await woken).toBe(true);
      await condition.release();
    } finally {
      await other.close();
    }
  });
});

describe('Redis going away', () => {
  test('calls and waits reject with a ConcError within their timeout, then the same objects work again', async () => {
    const d = await manager.dict();
    const event = await manager.event();
    const lock = await manager.lock();
    await d.set('k', 1);
    // A wait pending across the restart wakes when the event is set afterwards (from a client
    // whose calls wait for Redis longer than the outage: the default 10 s).
    const patient = await Manager.connect({ backend });
    const pending = (await patient.event({ name: 'across-restart' })).wait(20_000);
    const wake = await manager.event({ name: 'across-restart' });
    await redis.kill();
    try {
      // A timed wait rejects by its own timeout (not the 3 s call timeout), a call by the call timeout.
      let started = performance.now();
      await expect(event.wait(200)).rejects.toThrow(/unreachable/);
      await expect(lock.acquire(200)).rejects.toThrow(/unreachable/);
      expect(performance.now() - started).toBeLessThan(2500);
      started = performance.now();
      await expect(d.get('k')).rejects.toThrow(/unreachable/);
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      await redis.start();
    }
    // No persistence: the data went with the server, the objects work again.
    const deadline = performance.now() + 10_000;
    for (;;) {
      try {
        await d.set('k', 2);
        break;
      } catch (error) {
        if (!(error instanceof ConcError) || performance.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(await d.get('k')).toBe(2);
    await wake.set();
    expect(await pending).toBe(true);
    await patient.close();
    await event.set();
    expect(await event.wait(0)).toBe(true);
    expect(await lock.acquire(1000)).toBe(true);
    await lock.release();
  });

  test('a wake-up published while the waiter\'s subscription is cut is not lost', async () => {
    const event = await manager.event();
    const waiting = event.wait(20_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const admin = backend.connect();
    // Cut every subscriber connection, then publish at once: the message is lost in flight, and
    // the waiter must find the flag by re-checking after it subscribes again.
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await event.set();
    expect(await waiting).toBe(true);
    await admin.quit();
  });

  test('a release that cannot reach Redis fails as a ConcError (not silently)', async () => {
    const lock = await manager.lock();
    await lock.acquire();
    await redis.stop();
    try {
      await expect(lock.release()).rejects.toThrow(/unreachable/);
    } finally {
      await redis.start();
    }
  });
});
