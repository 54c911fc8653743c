import { Worker } from 'node:worker_threads';
import { deserializeError, prepare, watchWorker } from '@conc/core/internal';

const runner = new URL('./run-in-thread.mjs', import.meta.url);

/** A worker thread running `fn(args, index)`; `result` settles with what it returned or threw. */
export interface Started<T> {
  worker: Worker;
  result: Promise<T>;
}

/** Starting real worker threads that run a test's function. */
export interface Threads {
  /**
   * Starts a real worker thread running `fn`, shipped as source (so it must be
   * self-contained), with `args` crossing as the transfer protocol sends them.
   */
  start<T, A = unknown>(fn: (args: A, index: number) => T | Promise<T>, args?: A, index?: number): Started<Awaited<T>>;
  /** Runs `fn` in `count` worker threads at once; resolves with their results in index order. */
  inThreads<T, A = unknown>(count: number, fn: (args: A, index: number) => T | Promise<T>, args?: A): Promise<Awaited<T>[]>;
}

/**
 * Threads that load the packages `imports` before they run a function: a package's objects
 * revive in a thread only once it is loaded there (its transfer handlers register then).
 */
export function threadsWith(...imports: string[]): Threads {
  const start = <T, A>(fn: (args: A, index: number) => T | Promise<T>, args?: A, index = 0): Started<Awaited<T>> => {
    const workerData = { source: fn.toString(), args: prepare(args, 'args').value, index, imports };
    const worker = new Worker(runner, { workerData });
    // As a Thread's parent does: a worker that exits holding a lock leaves it to be taken over.
    watchWorker(worker);
    const result = new Promise<Awaited<T>>((resolve, reject) => {
      worker.once('message', (message: { ok: boolean; value?: Awaited<T>; error?: unknown }) => {
        if (message.ok) resolve(message.value as Awaited<T>);
        else reject(deserializeError(message.error as never));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} before reporting`)));
    });
    return { worker, result };
  };
  const inThreads = <T, A>(count: number, fn: (args: A, index: number) => T | Promise<T>, args?: A): Promise<Awaited<T>[]> =>
    Promise.all(Array.from({ length: count }, (_, i) => start(fn, args, i).result));
  return { start, inThreads };
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true or `ms` pass (then throws). */
export async function until(check: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}
