// Runs a test's function in this worker thread: workerData = { source, args (prepared), index,
// imports }. The packages in `imports` are loaded first, so that their objects revive; the
// function gets the revived args (live @conc objects over the parent's shared memory).
import { parentPort, workerData } from 'node:worker_threads';
import { compileSource, reviveSync, serializeError } from '@conc/core/internal';

const { source, args, index, imports } = workerData;
try {
  for (const name of imports) await import(name);
  const fn = compileSource(source);
  const value = await fn(reviveSync(args), index);
  parentPort.postMessage({ ok: true, value });
} catch (error) {
  parentPort.postMessage({ ok: false, error: serializeError(error) });
}
