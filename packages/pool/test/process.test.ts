// kind: 'process': the same Pool on child processes.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lock, Value } from '@conc/sync';
import { Queue } from '@conc/queue';
import { Pool, RemoteError, StateError, WorkerCrashedError } from '@conc/pool';
import { errorOf } from './helpers.js';

const run = promisify(execFile);
const sqr = (x: number): number => x * x;

// First in this file: the broker starts with this pool, so its children wait for it to listen.
describe("Pool({ kind: 'process' }) with @conc objects in initargs", () => {
  it('the initializer gets a live Lock through the broker', async () => {
    const lock = new Lock();
    const pool = new Pool({
      processes: 2,
      kind: 'process',
      initializer: (shared: Lock) => ((globalThis as Record<string, unknown>)['poolLock'] = shared),
      initargs: [lock],
    });
    const held = await pool.map(() => {
      const shared = (globalThis as Record<string, unknown>)['poolLock'] as Lock;
      shared.acquireSync();
      const locked = shared.locked();
      shared.release();
      return locked;
    }, [1, 2, 3, 4], 1);
    expect(held).toEqual([true, true, true, true]);
    expect(lock.locked()).toBe(false);
    pool.close();
    await pool.join();
  });

  it('resourceLimits is for thread workers only', () => {
    expect(() => new Pool({ kind: 'process', resourceLimits: { maxOldGenerationSizeMb: 64 } })).toThrow(TypeError);
    expect(() => new Pool({ resourceLimits: 5 as never })).toThrow(TypeError);
  });
});

describe("Pool({ kind: 'process' })", () => {
  let pool: Pool;
  beforeAll(() => {
    pool = new Pool({ processes: 2, kind: 'process', initializer: (tag: string) => ((globalThis as Record<string, unknown>)['tag'] = tag), initargs: ['child'] });
  });
  afterAll(async () => {
    await pool.terminate();
  });

  it('runs tasks in other processes: apply, map, starmap, imap', async () => {
    const pids = new Set(await pool.map(() => process.pid, [1, 2, 3, 4, 5, 6, 7, 8], 1));
    expect(pids.has(process.pid)).toBe(false);
    expect(await pool.apply(sqr, [7])).toBe(49);
    expect(await pool.map(sqr, Array.from({ length: 100 }, (_, i) => i), 7)).toEqual(Array.from({ length: 100 }, (_, i) => i * i));
    expect(await pool.map(sqr, Array.from({ length: 1000 }, (_, i) => i), 100)).toEqual(Array.from({ length: 1000 }, (_, i) => i * i));
    expect(await pool.starmap((a: number, b: number) => a - b, [[5, 2], [1, 1]])).toEqual([3, 0]);
    const got: number[] = [];
    for await (const v of pool.imap(sqr, [1, 2, 3])) got.push(v);
    expect(got).toEqual([1, 4, 9]);
    expect(await pool.apply(() => (globalThis as Record<string, unknown>)['tag'])).toBe('child');
  });

  it('task errors are rebuilt as in threads', async () => {
    await expect(pool.apply(() => {
      throw new RangeError('out of range');
    })).rejects.toBeInstanceOf(RangeError);
    const error = await errorOf<RemoteError>(pool.apply(() => {
      throw Object.assign(new Error('custom'), { name: 'ValueError' });
    }));
    expect(error).toBeInstanceOf(RemoteError);
    expect(error.name).toBe('ValueError');
  });

  it('SIGKILL of a process worker: WorkerCrashedError naming the signal; replaced; others complete', async () => {
    const others = Array.from({ length: 20 }, (_, i) => pool.applyAsync(sqr, [i]));
    const killed = pool.applyAsync(() => process.kill(process.pid, 'SIGKILL'));
    const error = await errorOf<WorkerCrashedError>(killed.get());
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/killed by SIGKILL/);
    expect(await Promise.all(others.map((r) => r.get()))).toEqual(Array.from({ length: 20 }, (_, i) => i * i));
    expect(await pool.apply(sqr, [5])).toBe(25);
  });

  it('process.exit() and an uncaught error in a timer', async () => {
    await expect(pool.apply(() => process.exit(4))).rejects.toThrow(/exited with code 4/);
    const error = await errorOf<WorkerCrashedError>(pool.apply(() => {
      setTimeout(() => {
        throw new TypeError('timer blew up');
      }, 5);
      return new Promise((resolve) => setTimeout(resolve, 5_000));
    }));
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/uncaught TypeError: timer blew up/);
    expect(await pool.apply(sqr, [6])).toBe(36);
  });

  it('a Lock and a Value in the arguments work in process workers (through the broker)', async () => {
    const lock = new Lock();
    const counter = new Value('i32', 0, { lock: false });
    const add = (shared: { lock: Lock; counter: Value<'i32'> }, times: number) => {
      for (let i = 0; i < times; i++) {
        shared.lock.acquireSync();
        const seen = shared.counter.value;
        shared.counter.value = seen + 1;
        shared.lock.release();
      }
      return times;
    };
    const done = await Promise.all(Array.from({ length: 4 }, () => pool.apply(add, [{ lock, counter }, 50])));
    expect(done).toEqual([50, 50, 50, 50]);
    expect(counter.value).toBe(200);
    expect(lock.locked()).toBe(false);
  });

  it('a Queue in map items: process workers put, the main thread gets every item', async () => {
    const queue = new Queue<number>();
    const out = await pool.map(({ q, i }: { q: Queue<number>; i: number }) => {
      q.putSync(i * 10);
      return i;
    }, Array.from({ length: 20 }, (_, i) => ({ q: queue, i })), 5);
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push(await queue.get(10_000));
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * 10));
  });

  it('terminate leaves no process alive', async () => {
    const other = new Pool({ processes: 2, kind: 'process' });
    const pids = await other.map(() => process.pid, [1, 2, 3, 4], 1);
    const running = other.applyAsync(() => new Promise(() => {}));
    await other.terminate();
    await expect(running.get()).rejects.toBeInstanceOf(StateError);
    for (const pid of new Set(pids)) expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe("Pool({ kind: 'process', maxtasksperchild })", () => {
  it('replaces each process after its tasks; a failing initializer breaks the pool', async () => {
    const pool = new Pool({ processes: 2, kind: 'process', maxtasksperchild: 2 });
    const pids = await pool.map(() => process.pid, Array.from({ length: 8 }, (_, i) => i), 1);
    expect(new Set(pids).size).toBeGreaterThanOrEqual(4);
    pool.close();
    await pool.join();
    const broken = new Pool({ processes: 1, kind: 'process', initializer: () => {
      throw new RangeError('no setup');
    } });
    const error = await errorOf<WorkerCrashedError>(broken.apply(() => 1));
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error.cause as Error).name).toBe('RangeError');
    await broken.join();
  });
});

describe('keep-alive', () => {
  const script = fileURLToPath(new URL('./fixtures/keep-alive.mjs', import.meta.url));
  for (const kind of ['thread', 'process']) {
    it(`an idle ${kind} pool never closed lets Node exit; a pending task keeps it alive`, async () => {
      const idle = await run(process.execPath, [script, 'idle', kind], { timeout: 20_000 });
      expect(idle.stdout).toBe('result 2\n');
      const pending = await run(process.execPath, [script, 'pending', kind], { timeout: 20_000 });
      expect(pending.stdout).toBe('callback 300\n');
    });
  }
});
