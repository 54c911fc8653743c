import { Worker } from 'node:worker_threads';
import { prepare } from '@conc/core/internal';

/** Starts the cell worker with a prepared value and a mode. */
export function startCellWorker(mode: string, value: unknown, extra: Record<string, unknown> = {}): Worker {
  const prepared = prepare(value, 'workerData');
  return new Worker(new URL('./fixtures/cell-worker.mjs', import.meta.url), { workerData: { mode, value: prepared.value, ...extra } });
}

export function exited(worker: Worker): Promise<number> {
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
}
