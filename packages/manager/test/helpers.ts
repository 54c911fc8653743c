import { Worker } from 'node:worker_threads';
import { prepare } from '@conc/core/internal';

// Each worker's exit, watched from its start. 'exit' fires once, and Node emits it in the same
// callback as the messages still queued from that worker, before any await resumes: a test
// that awaits a message (or just a queue call) while the worker finishes, then starts to listen
// for 'exit', would wait forever.
const exits = new WeakMap<Worker, Promise<number>>();

/** Starts the client worker with proxies passed the way @conc/process passes them. */
export function startClient(mode: string, value: unknown, extra: Record<string, unknown> = {}): Worker {
  const prepared = prepare(value, 'workerData');
  const worker = new Worker(new URL('./fixtures/client-worker.mjs', import.meta.url), { workerData: { mode, value: prepared.value, ...extra } });
  exits.set(worker, new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  }));
  return worker;
}

/** Resolves with the exit code, even once the worker has exited; rejects with its uncaught error. */
export function exited(worker: Worker): Promise<number> {
  const exit = exits.get(worker);
  if (!exit) throw new TypeError('exited: the worker was not started by startClient');
  return exit;
}

/** The next message the worker posts that satisfies `test`; rejects once the worker has exited without posting it. */
export function message<T = unknown>(worker: Worker, test: (m: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: T): void => {
      if (test(m)) {
        worker.off('message', onMessage);
        resolve(m);
      }
    };
    worker.on('message', onMessage);
    exited(worker).then(
      (code) => {
        worker.off('message', onMessage);
        reject(new Error(`the worker exited (code ${code}) before posting the message awaited`));
      },
      reject,
    );
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
