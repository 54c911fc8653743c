/**
 * The entry of a `Thread`'s worker: runs the target with its args revived, reports the
 * outcome on the thread's port, then flags the end in the shared state word (in that order,
 * so a parent woken in `joinSync` can read the outcome at once).
 *
 * Start-up is the cost of a thread, and beyond Node's own boot a worker spends it loading
 * modules, ES modules above all (their loader costs ~4 ms to get going in a new worker). So
 * this entry is built as one CommonJS file (`thread-main.cjs`) and loads a single ES module
 * before the target runs: `@conc/core/target` (not the whole core), by the URL the parent
 * resolved, through `require()` (synchronous; Node >= 20.19). The rest comes on demand: the
 * transfer protocol when the args hold @conc objects (the parent says so), TypeScript hooks
 * for a module target, the trace channel when the parent listens, error serialization when the
 * target throws, the shutdown logic when the target started threads or processes.
 */
import { parentPort } from 'node:worker_threads';
import { ENDED, ownThreadData } from './context.js';
import { printException, writeOutputDirectly } from './report.js';
import { forwardTraces } from './forward-traces.js';
import { joinStartedChildren } from './join-children.js';
import { requireTargetLoader } from './target-loader.js';

if (!ownThreadData) throw new Error('@conc/process: thread-main.cjs runs only as the worker of a Thread');
const data = ownThreadData;

writeOutputDirectly();
const checkTraces = forwardTraces(() => Atomics.load(data.traceFlag, 0) === 1, (event) => parentPort?.postMessage({ trace: event }));

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
  // Subscribed before the target runs, so its first trace events reach the parent too.
  await checkTraces();
  if (data.target.type === 'module') await (await import('./typescript-loader.js')).prepareTypeScript(data.target);
  const { loadTarget } = await requireTargetLoader(data.loader);
  const fn = await loadTarget(data.target);
  let { self, args } = data;
  if (data.shared) {
    const { revive } = await import('@conc/core/internal');
    self = self === undefined ? undefined : await revive(self);
    args = await revive(args);
  }
  await fn.apply(self === undefined ? undefined : withThreadFacts(self), args as unknown[]);
}

function withThreadFacts(self: unknown): unknown {
  // Python's `self.name` inside run(): the thread's own facts, unless a field shadows them.
  const record = self as Record<string, unknown>;
  for (const [key, value] of [['name', data.name], ['daemon', data.daemon]] as const) {
    if (!(key in record)) Object.defineProperty(record, key, { value, enumerable: false });
  }
  return record;
}

async function main(): Promise<void> {
  try {
    await run();
    data.port.postMessage({});
  } catch (error) {
    printException(`Exception in thread ${data.name}:`, error);
    const { serializeError } = await import('@conc/core/internal');
    data.port.postMessage({ error: serializeError(error) });
  } finally {
    end();
    data.port.close();
  }
  await joinStartedChildren();
  // Output is written synchronously (writeOutputDirectly), so nothing is lost by exiting now.
  process.exit(0);
}

void main();
