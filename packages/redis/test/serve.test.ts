import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcError, StateError } from '@conc/core';
import { Pool } from '@conc/pool';
import { RedisBackend, serve } from '@conc/redis';
import { startWorker } from './conc-worker-process.js';
import { startRedis, type RedisServer } from './redis-server.js';

let server: RedisServer;
let backend: RedisBackend;

beforeAll(async () => {
  server = await startRedis();
  backend = new RedisBackend({ url: server.url, prefix: 'serve' });
});
afterAll(async () => {
  await backend.close();
  await server.stop();
});

describe('serve()', () => {
  it('runs module targets; refuses function targets without allowSource, naming the option', async () => {
    await using handle = await serve(backend, { name: 'modules', processes: 1 });
    const pool = new Pool({ backend, name: 'modules', processes: 0 });
    const tasks = new URL('./fixtures/tasks.mjs', import.meta.url);
    expect(await pool.apply({ module: tasks, export: 'basename' }, ['/a/b.txt'])).toBe('b.txt');
    expect(await pool.map({ module: tasks, export: 'double' }, [1, 2, 3])).toEqual([2, 4, 6]);
    const error = await pool.apply((x: number) => x, [1]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateError);
    expect((error as Error).message).toMatch(/allowSource|--allow-source/);
    await pool.terminate();
    await handle.close();
  });

  it('resolves a relative module path against the worker\'s working directory', async () => {
    const cwd = fileURLToPath(new URL('./fixtures/', import.meta.url));
    const pool = new Pool({ backend, name: 'relative', processes: 0 });
    // The pool resolves './tasks.mjs' against its own directory (here the package root, where
    // no such file is); the worker, started in fixtures/, finds it.
    const worker = startWorker(['--url', server.url, '--prefix', 'serve', '--name', 'relative', '--processes', '1'], {}, cwd);
    await worker.ready;
    expect(await pool.apply({ module: './tasks.mjs', export: 'double' }, [4])).toBe(8);
    await pool.terminate();
    await worker.kill('SIGTERM');
  });

  it('with allowSource, runs function targets; close() lets the running task finish', async () => {
    const handle = await serve(backend, { name: 'source', processes: 1, allowSource: true });
    const pool = new Pool({ backend, name: 'source', processes: 0 });
    const slow = pool.apply(async (x: number) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return x + 1;
    }, [1]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await handle.close();
    expect(await slow).toBe(2);
    await pool.terminate();
  });

  it('terminate() aborts a task running on another machine: its job ends and the worker serves on', async () => {
    const worker = startWorker(['--url', server.url, '--prefix', 'serve', '--name', 'abort', '--processes', '1', '--allow-source']);
    await worker.ready;
    const pool = new Pool({ backend, name: 'abort', processes: 0 });
    const endless = pool.apply(() => { for (;;); });
    void endless.catch(() => {});
    const redis = backend.connect();
    const active = (): Promise<number> => redis.llen('serve:{pool:abort}:abort:active');
    for (let i = 0; i < 500 && (await active()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await active()).toBe(1);
    await pool.terminate();
    await expect(endless).rejects.toThrow(StateError);
    for (let i = 0; i < 500 && (await active()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await active()).toBe(0);
    const keys = await redis.keys('serve:{pool:abort}:abort:[0-9]*');
    expect(keys).toEqual([]);
    // The worker replaced the thread it ended, and runs the next pool's tasks.
    const next = new Pool({ backend, name: 'abort', processes: 0 });
    expect(await next.apply((x: number) => x * 2, [21])).toBe(42);
    await next.terminate();
    redis.disconnect();
    await worker.kill('SIGTERM');
  });

  it('rejects with a ConcError within 10 s when Redis cannot be reached', async () => {
    const nowhere = new RedisBackend({ url: 'redis://127.0.0.1:1', prefix: 'serve' });
    const started = Date.now();
    await expect(serve(nowhere, { processes: 1 })).rejects.toThrow(ConcError);
    expect(Date.now() - started).toBeLessThan(13_000);
    await nowhere.close();
  });

  it("kind 'process' runs the tasks in child processes", async () => {
    await using handle = await serve(backend, { name: 'children', processes: 1, kind: 'process', allowSource: true });
    const pool = new Pool({ backend, name: 'children', processes: 0 });
    const pid = await pool.apply(() => process.pid);
    expect(pid).not.toBe(process.pid);
    expect(await pool.map((x: bigint) => x * 2n, [1n, 2n])).toEqual([2n, 4n]);
    await pool.terminate();
    await handle.close();
  });

  it('checks its options', async () => {
    await expect(serve(backend, { name: 'a b' })).rejects.toThrow(TypeError);
    await expect(serve(backend, { processes: 0 })).rejects.toThrow(RangeError);
    await expect(serve(backend, { kind: 'fiber' as never })).rejects.toThrow(TypeError);
    await expect(serve(backend, { allowSource: 'yes' as never })).rejects.toThrow(TypeError);
    await expect(serve(backend, null as never)).rejects.toThrow(TypeError);
  });

  it('conc-worker: bad arguments exit with 2 and the usage', () => {
    const bin = fileURLToPath(new URL('../dist/conc-worker.js', import.meta.url));
    const missing = spawnSync(process.execPath, [bin], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/--url is required/);
    const bad = spawnSync(process.execPath, [bin, '--url', server.url, '--processes', 'two'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--processes/);
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--allow-source/);
  });
});
