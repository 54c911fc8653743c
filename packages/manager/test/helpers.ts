import { Worker } from 'node:worker_threads';
import { prepare } from '@conc/core/internal';

/** Starts the client worker with proxies passed the way @conc/process passes them. */
export function startClient(mode: string, value: unknown, extra: Record<string, unknown> = {}): Worker {
  const prepared = prepare(value, 'workerData');
  return new Worker(new URL('./fixtures/client-worker.mjs', import.meta.url), { workerData: { mode, value: prepared.value, ...extra } });
}

/** Resolves with the exit code; rejects with the worker's uncaught error. */
export function exited(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
}

/** The next message the worker posts that satisfies `test`. */
export function message<T = unknown>(worker: Worker, test: (m: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T): void => {
      if (test(m)) {
        worker.off('message', onMessage);
        resolve(m);
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the worker exited (code ${code}) before posting the message awaited`)));
  });
}

/** Rejects when `promise` does not settle within `ms` (a hang detector, not a speed check). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]);
}
