// CPython's test_concurrent_futures (executor.py, test_thread_pool.py, test_process_pool.py,
// test_shutdown.py, test_init.py), carried over to our API, on both executors.
import { execFile } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Event, Semaphore } from '@conc/sync';
import {
  BrokenExecutorError,
  CancelledError,
  DataCloneError,
  Future,
  ProcessPoolExecutor,
  RemoteError,
  type PoolBackend,
  StateError,
  ThreadPoolExecutor,
  WorkerCrashedError,
  asCompleted,
  wait,
} from '@conc/pool';
import { LocalEngine } from '@conc/pool/internal';
import { errorOf } from './helpers.js';

const run = promisify(execFile);
const mul = (x: number, y: number): number => x * y;
const sleep = (ms: number): number => (Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms), ms);
const hold = (event: Event): boolean => event.waitSync(30_000);
/** The id of the worker running it: a thread id, or a process id. */
const whoAmI = { module: new URL('./fixtures/tasks.mjs', import.meta.url), export: 'whoAmI' };

const kinds = [
  ['ThreadPoolExecutor', (options?: number | object) => new ThreadPoolExecutor(options as never)],
  ['ProcessPoolExecutor', (options?: number | object) => new ProcessPoolExecutor(options as never)],
] as const;

/** Counts the workers an executor starts, from the trace channel. */
function countStarts(): { count: () => number; stop: () => void } {
  let starts = 0;
  const listener = (event: unknown): void => {
    const { type, kind } = event as { type: string; kind: string };
    if (type === 'start' && kind === 'Pool') starts++;
  };
  subscribe('@conc/trace', listener);
  return { count: () => starts, stop: () => unsubscribe('@conc/trace', listener) };
}

describe.each(kinds)('%s (CPython ExecutorTest)', (name, make) => {
  it('submit: positional arguments, module targets, await and result()', async () => {
    await using executor = make(2);
    expect(await executor.submit((a: number, b: number) => a ** b, 2, 8).result()).toBe(256);
    expect(await executor.submit(mul, 2, 8)).toBe(16);
    const add = { module: new URL('./fixtures/tasks.mjs', import.meta.url), export: 'add' };
    expect(await executor.submit<number>(add, 40, 2)).toBe(42);
    expect(await executor.submit(() => 'no args')).toBe('no args');
  });

  it('a task error comes back as its class, with the remote stack; other classes as RemoteError', async () => {
    await using executor = make(1);
    const error = await errorOf(executor.submit(function raiser() {
      throw new RangeError('123 some comment');
    }));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe('123 some comment');
    expect(error.stack).toContain('raiser');
    const custom = await errorOf(executor.submit(() => {
      class KeyError extends Error {
        override name = 'KeyError';
      }
      throw new KeyError('missing');
    }));
    expect(custom).toBeInstanceOf(RemoteError);
    expect(custom.name).toBe('KeyError');
  });

  it('a result that cannot cross fails its future with a DataCloneError; the worker goes on (test_deadlock.py)', async () => {
    await using executor = make(1);
    const error = await errorOf(executor.submit(() => () => 1));
    expect(error).toBeInstanceOf(DataCloneError);
    expect(error.message).toMatch(/^result: /);
    expect(await executor.submit(mul, 2, 2)).toBe(4);
  });

  it('workers start lazily: none until the first submit, and an idle one is reused', async () => {
    const starts = countStarts();
    try {
      const executor = make(4);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(starts.count()).toBe(0);
      const who = [await executor.submit<string>(whoAmI), await executor.submit<string>(whoAmI), await executor.submit<string>(whoAmI)];
      expect(new Set(who).size).toBe(1);
      expect(starts.count()).toBe(1);
      await executor.shutdown();
    } finally {
      starts.stop();
    }
  });

  it('saturation: many blocked tasks start exactly maxWorkers workers', async () => {
    const starts = countStarts();
    try {
      const executor = make(3);
      const semaphore = new Semaphore(0);
      const futures = Array.from({ length: 5 * 3 }, () => executor.submit((s: Semaphore) => s.acquireSync(30_000), semaphore));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(starts.count()).toBe(3);
      semaphore.release(15);
      expect(await Promise.all(futures)).toEqual(Array(15).fill(true));
      await executor.shutdown();
      expect(starts.count()).toBe(3);
    } finally {
      starts.stop();
    }
  });

  it('a worker that dies fails the future it was running; the executor replaces it and goes on', async () => {
    await using executor = make(2);
    const gate = new Event();
    const others: Future<unknown>[] = [executor.submit(hold, gate)];
    const dying = executor.submit(() => process.exit(3));
    const error = await errorOf(dying);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error.message).toMatch(/exited with code 3/);
    others.push(executor.submit(mul, 6, 7));
    gate.set();
    expect(await Promise.all(others)).toEqual([true, 42]);
    // Still usable: a map over all workers.
    const values: number[] = [];
    for await (const value of executor.map((x: number) => x + 1, [1, 2, 3, 4])) values.push(value);
    expect(values).toEqual([2, 3, 4, 5]);
  });

  it('initializer runs in every worker before its tasks', async () => {
    await using executor = make({
      maxWorkers: 2,
      initializer: (status: string) => ((globalThis as { status?: string }).status = status),
      initargs: ['initialized'],
    });
    const gate = new Event();
    const futures = [
      executor.submit((event: Event) => (event.waitSync(30_000), (globalThis as { status?: string }).status), gate),
      executor.submit((event: Event) => (event.waitSync(30_000), (globalThis as { status?: string }).status), gate),
    ];
    gate.set();
    expect(await Promise.all(futures)).toEqual(['initialized', 'initialized']);
  });

  it('a failing initializer breaks the executor: pending futures and later submits get BrokenExecutorError', async () => {
    const executor = make({
      maxWorkers: 2,
      initializer: () => {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        throw new RangeError('error in initializer');
      },
    });
    const futures = [executor.submit(mul, 1, 2), executor.submit(mul, 3, 4)];
    for (const future of futures) {
      const error = await errorOf(future);
      expect(error).toBeInstanceOf(BrokenExecutorError);
      expect(error.message).toMatch(/RangeError: error in initializer/);
      expect((error.cause as Error).message).toBe('error in initializer');
    }
    expect(() => executor.submit(mul, 1, 1)).toThrow(BrokenExecutorError);
    expect(() => executor.map(mul, [1])).toThrow(BrokenExecutorError);
    await executor.shutdown();
  });

  it('bad input: maxWorkers, options, targets, arguments (nothing half-done)', async () => {
    for (const bad of [0, -1, 1.5]) expect(() => make(bad)).toThrow(RangeError);
    expect(() => make(0)).toThrow(/maxWorkers must be an integer >= 1/);
    expect(() => make('2' as never)).toThrow(TypeError);
    expect(() => make({ initargs: 3 } as never)).toThrow(/initargs must be an array/);
    expect(() => make({ initializer: 42 } as never)).toThrow(TypeError);
    expect(() => make({ backend: {} } as never)).toThrow(/backend must be a pool backend/);
    expect(() => make({ name: 'q' } as never)).toThrow(/applies only to an executor with a backend/);
    expect(() => make({ initargs: [() => 1] })).toThrow(DataCloneError);
    await using executor = make(1);
    expect(() => executor.submit(Math.max)).toThrow(TypeError);
    expect(() => executor.submit(42 as never)).toThrow(TypeError);
    expect(() => executor.submit(mul, 1, { handler: () => 1 } as never)).toThrow(/args\[1\]\.handler/);
    expect(await errorOf(executor.shutdown(5 as never))).toBeInstanceOf(TypeError);
    expect(await errorOf(executor.shutdown({ wait: 'yes' } as never))).toBeInstanceOf(TypeError);
    // Nothing was lost: it still works.
    expect(await executor.submit(mul, 3, 3)).toBe(9);
    expect(name).toMatch(/PoolExecutor$/);
  });
});

describe.each(kinds)('%s shutdown (CPython test_shutdown.py)', (_name, make) => {
  it('submit after shutdown is a StateError, thrown at once', async () => {
    const executor = make(2);
    await executor.shutdown();
    expect(() => executor.submit(mul, 2, 5)).toThrow(StateError);
    expect(() => executor.submit(mul, 2, 5)).toThrow(/cannot schedule new futures after shutdown/);
    expect(() => executor.map(mul, [1])).toThrow(StateError);
    await executor.shutdown(); // again: harmless
  });

  it('shutdown waits for every submitted task (issue 12364)', async () => {
    const executor = make(3);
    const futures = Array.from({ length: 12 }, () => executor.submit(sleep, 30));
    await executor.shutdown();
    expect(futures.every((future) => future.done())).toBe(true);
    expect(await Promise.all(futures)).toEqual(Array(12).fill(30));
  });

  it('shutdown({ cancelFutures: true }) cancels the futures not started; the others finish', async () => {
    const executor = make(2);
    const futures = Array.from({ length: 50 }, () => executor.submit(sleep, 50));
    // Tasks start when dispatched (a microtask after submit), not at the submit itself.
    while (!futures[0]!.running()) await new Promise((resolve) => setTimeout(resolve, 1));
    await executor.shutdown({ cancelFutures: true });
    const cancelled = futures.filter((future) => future.cancelled());
    const others = futures.filter((future) => !future.cancelled());
    expect(cancelled.length).toBeGreaterThan(20);
    expect(others.length).toBeGreaterThan(0);
    for (const future of others) {
      expect(future.done()).toBe(true);
      expect(await future.exception()).toBeUndefined();
    }
    expect(await errorOf(cancelled[0]!.result())).toBeInstanceOf(CancelledError);
  });

  it('shutdown({ wait: false }) resolves at once; the work still finishes (gh-83386)', async () => {
    const executor = make(2);
    // The task runs until the test lets it go, so "at once" is the task still running when
    // shutdown resolved, not a time a loaded machine may miss.
    const gate = new Event();
    const future = executor.submit(hold, gate);
    const started = performance.now();
    await executor.shutdown({ wait: false });
    expect(future.done()).toBe(false);
    expect(performance.now() - started).toBeLessThan(10_000);
    gate.set();
    expect(await future).toBe(true);
  });

  it('a future submitted and cancelled right before shutdown does not hang it (gh-94440)', async () => {
    const executor = make(1);
    expect(await executor.submit(() => 0)).toBe(0);
    executor.submit(() => 1).cancel();
    await executor.shutdown();
  });

  it('await using shuts down, waiting for the tasks', async () => {
    let future;
    {
      await using executor = make(2);
      future = executor.submit(sleep, 100);
    }
    expect(future.done()).toBe(true);
  });

  it('maxTasksPerChild on ProcessPoolExecutor; a TypeError on ThreadPoolExecutor', async () => {
    if (make === kinds[0][1]) {
      expect(() => make({ maxTasksPerChild: 3 })).toThrow(/ProcessPoolExecutor only/);
      return;
    }
    const executor = make({ maxWorkers: 1, maxTasksPerChild: 3 });
    const pids = [];
    for (let i = 0; i < 4; i++) pids.push(await executor.submit(() => process.pid));
    expect(pids[1]).toBe(pids[0]);
    expect(pids[2]).toBe(pids[0]);
    expect(pids[3]).not.toBe(pids[0]);
    await executor.shutdown();
    // Early shutdown with one task per child: every result still arrives.
    const early = make({ maxWorkers: 3, maxTasksPerChild: 1 });
    const futures = Array.from({ length: 6 }, (_, i) => early.submit(mul, i, i));
    await early.shutdown();
    expect(await Promise.all(futures)).toEqual([0, 1, 4, 9, 16, 25]);
    expect(() => make({ maxTasksPerChild: 0 })).toThrow(RangeError);
  });
});

describe('keep-alive', () => {
  const script = fileURLToPath(new URL('./fixtures/executor-keep-alive.mjs', import.meta.url));
  for (const kind of ['thread', 'process']) {
    it(`an idle ${kind} executor never shut down lets Node exit; a pending task keeps it alive`, async () => {
      expect((await run(process.execPath, [script, 'unused', kind], { timeout: 20_000 })).stdout).toBe('never used\n');
      expect((await run(process.execPath, [script, 'idle', kind], { timeout: 20_000 })).stdout).toBe('result 2\n');
      expect((await run(process.execPath, [script, 'pending', kind], { timeout: 20_000 })).stdout).toBe('done 300\n');
    });
  }
});

describe('backend', () => {
  it('an executor runs its tasks on the engine its backend makes, with the options as given', async () => {
    // A backend whose engine is the local one: the seam that @conc/redis plugs into.
    const seen: Record<string, unknown>[] = [];
    const backend: PoolBackend = {
      createPoolEngine: (host, options, extra) => {
        seen.push({ ...extra, processes: options.processes, kind: options.kind });
        return new LocalEngine(host, { ...options, lazy: true });
      },
    };
    await using executor = new ProcessPoolExecutor({ backend, maxWorkers: 2, name: 'jobs', retries: 2 });
    expect(seen).toEqual([expect.objectContaining({ name: 'jobs', retries: 2, processes: 2, kind: 'process' })]);
    const futures = [executor.submit(mul, 6, 7), executor.submit(() => process.pid)];
    expect(await futures[0]).toBe(42);
    expect(await futures[1]).not.toBe(process.pid);
    const values = [];
    for await (const value of executor.map((x: number) => x * 2, [1, 2, 3], { chunksize: 2 })) values.push(value);
    expect(values).toEqual([2, 4, 6]);
  });
});

describe('executors with asCompleted and wait together', () => {
  it('futures of both kinds mix', async () => {
    await using threads = new ThreadPoolExecutor(2);
    await using processes = new ProcessPoolExecutor(1);
    const futures = [threads.submit(sleep, 50), processes.submit(sleep, 10), threads.submit(mul, 2, 3)];
    const seen = [];
    for await (const future of asCompleted(futures, 30_000)) seen.push(await future.result());
    expect(seen.sort((a, b) => a - b)).toEqual([6, 10, 50]);
    const { done } = await wait(futures);
    expect(done.size).toBe(3);
  });
});
