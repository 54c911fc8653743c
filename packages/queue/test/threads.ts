import { Worker } from 'node:worker_threads';
import { deserializeError, prepare, watchWorker } from '@conc/core/internal';

const runner = new URL('./fixtures/run.mjs', import.meta.url);

/** A worker thread running `fn(args, index)`; `result` settles with what it returned or threw. */
export interface Started<T> {
  worker: Worker;
  result: Promise<T>;
}

/**
 * Starts a real worker thread running `fn`, shipped as source (so it must be self-contained),
 * with `args` crossing as the transfer protocol sends them (queues arrive as the same queue).
 */
export function start<T, A = unknown>(fn: (args: A, index: number) => T | Promise<T>, args?: A, index = 0): Started<Awaited<T>> {
  const worker = new Worker(runner, { workerData: { source: fn.toString(), args: prepare(args, 'args').value, index } });
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
}

/** Runs `fn` in `count` worker threads at once; resolves with their results in index order. */
export function inThreads<T, A = unknown>(count: number, fn: (args: A, index: number) => T | Promise<T>, args?: A): Promise<Awaited<T>[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => start(fn, args, i).result));
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

/**
 * In a worker: wraps the Atomics operations (which every lock and engine calls at each step) so
 * that the `stopAt`-th call, counting before and after each, never returns: it sets
 * `words[stopped]` and spins until the worker is terminated, i.e. the thread dies right there,
 * holding whatever it held. Shipped as source: call it as
 * `(0, eval)(`(${source})`)(words, stopAt, stopped)` with `source` = `stopAtAtomic.toString()`.
 */
export function stopAtAtomic(words: Int32Array, stopAt: number, stopped: number): void {
  const real = { store: Atomics.store, notify: Atomics.notify };
  let calls = 0;
  const stop = (): void => {
    real.store(words, stopped, 1);
    real.notify(words, stopped);
    for (;;);
  };
  const atomics = Atomics as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['store', 'add', 'sub', 'or', 'and', 'exchange', 'compareExchange']) {
    const original = atomics[name]!;
    atomics[name] = (...args: unknown[]) => {
      if (++calls === stopAt) stop();
      const result = original(...args);
      if (++calls === stopAt) stop();
      return result;
    };
  }
}
