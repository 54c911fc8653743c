import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcError, WorkerCrashedError } from '@conc/core';
import { Pool } from '@conc/pool';
import { RedisBackend } from '@conc/redis';
import { startWorker, type WorkerProcess } from './conc-worker-process.js';
import { startRedis, type RedisServer } from './redis-server.js';

let server: RedisServer;
let backend: RedisBackend;
let dir: string;
const workers: WorkerProcess[] = [];
const STALLED = 500;

beforeAll(async () => {
  server = await startRedis();
  backend = new RedisBackend({ url: server.url, prefix: 'faults' });
  dir = mkdtempSync(join(tmpdir(), 'conc-redis-faults-'));
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill()));
  await backend.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A conc-worker process serving `name`: a second machine. */
async function machine(name: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const worker = startWorker(['--url', server.url, '--prefix', 'faults', '--name', name, '--processes', '1', '--allow-source'], env);
  workers.push(worker);
  await worker.ready;
  return worker;
}

/** Runs `ms`, appending this process's id to `log` first, and returns the id. */
async function logged(log: string, ms: number, item: number): Promise<string> {
  // Not import(): vitest rewrites it in this file, and the function runs as source elsewhere.
  const { appendFileSync } = process.getBuiltinModule('node:fs');
  appendFileSync(log, `${item}:${process.pid}\n`);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return `${item}:${process.pid}`;
}

/** Resolves once the pool has stored its settings with the queue (workers read them as they start). */
async function configured(name: string): Promise<void> {
  const redis = backend.connect();
  try {
    for (let i = 0; i < 500 && !(await redis.exists(`faults:{pool:${name}}:${name}:conc:config`)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    redis.disconnect();
  }
}

async function until(what: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const lines = (file: string): string[] => {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe('Pool on Redis: faults', () => {
  it('a worker process SIGKILLed mid-task: the task reruns on another machine and each result arrives once', async () => {
    const log = join(dir, 'rerun.log');
    const pool = new Pool({ backend, name: 'rerun', processes: 0, stalledInterval: STALLED });
    await configured('rerun');
    const a = await machine('rerun');
    const starmapped = pool.starmap(logged, [[log, 800, 1], [log, 800, 2]], 1);
    void starmapped.catch(() => {});
    await until(() => lines(log).length >= 1);
    await a.kill('SIGKILL');
    const b = await machine('rerun');
    const values = await starmapped;
    const bPid = String(b.child.pid);
    expect(values.length).toBe(2);
    for (const value of values as string[]) expect(value.split(':')[1]).toBe(bPid);
    // The killed machine had started a task; it ran again on the other one.
    expect(lines(log).some((line) => line.endsWith(`:${a.child.pid}`))).toBe(true);
    await pool.terminate();
  });

  it('retries exhausted: a task that kills its worker every time rejects with WorkerCrashedError', async () => {
    const pool = new Pool({ backend, name: 'crash', processes: 0, retries: 0, stalledInterval: STALLED });
    await configured('crash');
    const a = await machine('crash', { CONC_TEST_VICTIM: '1' });
    const result = pool.apply(() => {
      if (process.env['CONC_TEST_VICTIM']) process.kill(process.pid, 'SIGKILL');
      return 'survived';
    });
    void result.catch(() => {});
    expect(await a.exited).toBe('SIGKILL');
    await machine('crash');
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error as Error).message).toMatch(/died 1 times \(retries: 0\)/);
    await pool.terminate();
  });

  it('Redis stopped mid-run: calls reject with a ConcError within their timeout, and the pool works again once Redis is back', async () => {
    const pool = new Pool({ backend, name: 'outage', processes: 1, stalledInterval: STALLED });
    expect(await pool.apply((x: number) => x + 1, [1])).toBe(2);
    const pending = pool.apply(async () => {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return 'late'; // while Redis is down: it cannot be delivered
    });
    void pending.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = Date.now();
    await server.stop();
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcError);
    expect((error as Error).message).toMatch(/unreachable/);
    expect(Date.now() - stopped).toBeLessThan(10_000 + 3000);
    await server.start();
    expect(await pool.apply((x: number) => x * 3, [5])).toBe(15);
    expect(await pool.map((x: number) => x + 1, [1, 2, 3])).toEqual([2, 3, 4]);
    await pool.terminate();
  });
});
