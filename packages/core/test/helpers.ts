import { Worker } from 'node:worker_threads';
import { prepare } from '@conc/core/internal';

// Each worker's end, watched from its start: a worker may exit before a test gets round to
// asking (its 'exit' event would then be missed and the test would hang).
const ends = new WeakMap<Worker, Promise<number>>();

/** Starts the cell worker with a prepared value and a mode. */
export function startCellWorker(mode: string, value: unknown, extra: Record<string, unknown> = {}): Worker {
  const prepared = prepare(value, 'workerData');
  const worker = new Worker(new URL('./fixtures/cell-worker.mjs', import.meta.url), { workerData: { mode, value: prepared.value, ...extra } });
  const end = new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
  // Observed here so a worker's error is not an unhandled rejection before a test awaits it.
  end.catch(() => {});
  ends.set(worker, end);
  return worker;
}

/** Resolves with the worker's exit code (even if it has already exited); rejects with its uncaught error. */
export function exited(worker: Worker): Promise<number> {
  const end = ends.get(worker);
  if (!end) throw new Error('exited(): the worker was not started by startCellWorker');
  return end;
}
