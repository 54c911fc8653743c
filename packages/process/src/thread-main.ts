/**
 * The entry of a `Thread`'s worker: runs the target with its args revived, reports the
 * outcome on the thread's port, then flags the end in the shared state word (in that order,
 * so a parent woken in `joinSync` can read the outcome at once).
 */
import { loadTarget, revive, serializeError } from '@conc/core/internal';
import { ENDED, ownThreadData, started } from './context.js';
import { printException, writeOutputDirectly } from './report.js';
import { prepareTypeScript } from './typescript-loader.js';
import { forwardTraces } from './trace-forward.js';
import { parentPort } from 'node:worker_threads';

if (!ownThreadData) throw new Error('@conc/process: thread-main.js runs only as the worker of a Thread');
const data = ownThreadData;

writeOutputDirectly();
forwardTraces(() => Atomics.load(data.traceFlag, 0) === 1, (event) => parentPort?.postMessage({ trace: event }));

let ended = false;
function end(): void {
  if (ended) return;
  ended = true;
  Atomics.store(data.state, 0, ENDED);
  Atomics.notify(data.state, 0);
}
// process.exit() in a target ends the worker without reaching the end of run().
process.once('exit', end);

async function run(): Promise<void> {
  if (data.delay !== undefined && data.cancel) {
    // A Timer: wait out the interval unless cancelled first.
    Atomics.wait(data.cancel, 0, 0, data.delay);
    if (Atomics.load(data.cancel, 0) !== 0) return;
  }
  if (!data.target) return;
  await prepareTypeScript(data.target);
  const fn = await loadTarget(data.target);
  const self = data.self === undefined ? undefined : await revive(data.self);
  const args = (await revive(data.args)) as unknown[];
  await fn.apply(self === undefined ? undefined : withThreadFacts(self), args);
}

function withThreadFacts(self: unknown): unknown {
  // Python's `self.name` inside run(): the thread's own facts, unless a field shadows them.
  const record = self as Record<string, unknown>;
  for (const [key, value] of [['name', data.name], ['daemon', data.daemon]] as const) {
    if (!(key in record)) Object.defineProperty(record, key, { value, enumerable: false });
  }
  return record;
}

try {
  await run();
  data.port.postMessage({});
} catch (error) {
  printException(`Exception in thread ${data.name}:`, error);
  data.port.postMessage({ error: serializeError(error) });
} finally {
  end();
  data.port.close();
}
// Loaded only when the target started threads or processes: off the start-up path.
if (started.count > 0) await (await import('./shutdown.js')).joinNonDaemonChildren();
// Output is written synchronously (writeOutputDirectly), so nothing is lost by exiting now.
process.exit(0);
