import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { deadlineAfter, keepAliveCount, waitAsync, waitSync, wake } from '@conc/core/internal';
// @ts-expect-error -- plain JS fixture without types
import { Cell } from './fixtures/cell.mjs';
import { exited, startCellWorker } from './helpers.js';

describe('futex waits across real worker threads', () => {
  it('a shared cell crosses to a worker and both sides see each other’s writes', async () => {
    const cell = new Cell();
    const worker = startCellWorker('ping', { cell });
    while (cell.value !== 42) await waitAsync(cell.i32, cell.index, cell.value, deadlineAfter(10_000), undefined, cell.waiters);
    cell.value = 7;
    wake(cell.i32, cell.index, Infinity, cell.waiters);
    while (cell.value !== 8) await waitAsync(cell.i32, cell.index, cell.value, deadlineAfter(10_000), undefined, cell.waiters);
    expect(cell.value).toBe(8);
    expect(await exited(worker)).toBe(0);
  });

  it('an async wait is woken by a worker’s notify and releases its keep-alive', async () => {
    const cell = new Cell();
    const worker = startCellWorker('notify-later', { cell }, { delay: 100 });
    const result = await waitAsync(cell.i32, cell.index, 0, deadlineAfter(20_000));
    expect(result).toBe('ok');
    expect(cell.value).toBe(1);
    expect(keepAliveCount()).toBe(0);
    await exited(worker);
  });
});

describe('timeouts', () => {
  it('waitSync gives up after about its timeout', () => {
    const cell = new Cell();
    const start = performance.now();
    expect(waitSync(cell.i32, cell.index, 0, deadlineAfter(50), cell.waiters)).toBe('timed-out');
    const took = performance.now() - start;
    expect(took).toBeGreaterThanOrEqual(45);
    expect(took).toBeLessThan(5_000);
    expect(Atomics.load(cell.i32, cell.waiters)).toBe(0);
  });

  it('waitAsync gives up after about its timeout and counts no waiter afterwards', async () => {
    const cell = new Cell();
    const start = performance.now();
    expect(await waitAsync(cell.i32, cell.index, 0, deadlineAfter(60), undefined, cell.waiters)).toBe('timed-out');
    expect(performance.now() - start).toBeGreaterThanOrEqual(55);
    expect(Atomics.load(cell.i32, cell.waiters)).toBe(0);
    expect(keepAliveCount()).toBe(0);
  });

  it('a zero timeout polls once', async () => {
    const cell = new Cell();
    expect(waitSync(cell.i32, cell.index, 0, deadlineAfter(0))).toBe('timed-out');
    expect(await waitAsync(cell.i32, cell.index, 0, deadlineAfter(0))).toBe('timed-out');
    expect(waitSync(cell.i32, cell.index, 5, deadlineAfter(0))).toBe('not-equal');
  });

  it('a value that already differs returns not-equal without waiting', async () => {
    const cell = new Cell();
    cell.value = 3;
    expect(await waitAsync(cell.i32, cell.index, 0, Infinity)).toBe('not-equal');
    expect(waitSync(cell.i32, cell.index, 0, Infinity)).toBe('not-equal');
  });
});

describe('abort', () => {
  it('an abort rejects with the reason and leaves the state unchanged', async () => {
    const cell = new Cell();
    const controller = new AbortController();
    const reason = new Error('stop waiting');
    setTimeout(() => controller.abort(reason), 30);
    await expect(waitAsync(cell.i32, cell.index, 0, Infinity, controller.signal, cell.waiters)).rejects.toBe(reason);
    expect(cell.value).toBe(0);
    expect(Atomics.load(cell.i32, cell.waiters)).toBe(0);
    expect(keepAliveCount()).toBe(0);
  });

  it('an already-aborted signal rejects at once, even when the value differs', async () => {
    const cell = new Cell();
    cell.value = 1;
    const signal = AbortSignal.abort(new Error('early'));
    await expect(waitAsync(cell.i32, cell.index, 0, Infinity, signal)).rejects.toThrow('early');
  });

  it('an aborted waiter does not swallow the wake-up meant for another waiter', async () => {
    const cell = new Cell();
    const controller = new AbortController();
    const aborted = waitAsync(cell.i32, cell.index, 0, Infinity, controller.signal, cell.waiters);
    const live = waitAsync(cell.i32, cell.index, 0, deadlineAfter(20_000), undefined, cell.waiters);
    controller.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    cell.value = 1;
    wake(cell.i32, cell.index, 1, cell.waiters);
    expect(['ok', 'not-equal']).toContain(await live);
  });
});

describe('wake', () => {
  it('skips the notify when nobody waits', () => {
    const cell = new Cell();
    expect(wake(cell.i32, cell.index, 1, cell.waiters)).toBe(0);
  });
});

describe('keep-alive', () => {
  it('a script whose only pending work is an async wait, notified by a worker 300 ms later, prints and exits 0', () => {
    const script = `
      import { Worker } from 'node:worker_threads';
      import { waitAsync, deadlineAfter } from '@conc/core/internal';
      const cell = new Int32Array(new SharedArrayBuffer(4));
      const w = new Worker("const { workerData } = require('node:worker_threads'); setTimeout(() => { Atomics.store(workerData, 0, 1); Atomics.notify(workerData, 0); }, 300);", { eval: true, workerData: cell, execArgv: [] });
      w.unref();
      const result = await waitAsync(cell, 0, 0, deadlineAfter(30000));
      console.log('result', result, Atomics.load(cell, 0));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: import.meta.dirname, encoding: 'utf8', timeout: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('result ok 1');
    expect(run.status).toBe(0);
  });
});
