/**
 * The entry of a `Process`'s child: receives what to run over IPC, revives the args (objects
 * of the parent become broker handles), runs the target, and reports an uncaught error the
 * way Python does before exiting with code 1.
 *
 * As a thread's entry does (see thread-main.ts), it is one CommonJS file (`child-main.cjs`)
 * that loads a single ES module before the target runs, `@conc/core/target`, with `require()`
 * by the URL the parent resolved; the transfer protocol, the trace channel, error
 * serialization and the end's logic come on demand. (A child's main thread does not even have
 * `node:worker_threads` loaded, which `context.js` needs: it is loaded at the end.)
 */
import { forwardTraces } from './forward-traces.js';
import { joinStartedChildren } from './join-children.js';
import { flushOutput, printException } from './report.js';
import { requireTargetLoader } from './target-loader.js';
// Broker handles in the args load @conc/process (which registers their kind) on demand.

interface StartMessage {
  type: 'start';
  target: import('@conc/core/internal').TargetDescriptor | undefined;
  self: unknown;
  args: unknown;
  /** Whether `self` or `args` hold @conc objects (prepared descriptors, to revive). */
  shared: boolean;
  /** The URL of `@conc/core/target`, resolved by the parent (see `targetLoaderUrl`). */
  loader: string;
  name: string;
  daemon: boolean;
  trace: boolean;
}

let tracing = false;
let check: (() => Promise<void>) | undefined;

function send(message: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

process.on('message', (message: { type: string; on?: boolean }) => {
  if (message.type === 'trace') {
    tracing = message.on === true;
    void check?.();
  } else if (message.type === 'start') {
    void run(message as unknown as StartMessage);
  }
});

async function run(start: StartMessage): Promise<void> {
  // Daemons end with their parent; the others outlive a parent that is gone (as in Python)
  // and do not need the channel to stay alive.
  if (start.daemon) process.on('disconnect', () => process.exit(1));
  process.channel?.unref();
  tracing = start.trace;
  const checkTraces = forwardTraces(() => tracing, (event) => process.send?.({ type: 'trace', event }));
  check = checkTraces;
  try {
    if (start.target) {
      // Subscribed before the target runs, so its first trace events reach the parent too.
      await checkTraces();
      const { loadTarget } = await requireTargetLoader(start.loader);
      const fn = await loadTarget(start.target);
      let { self, args } = start;
      if (start.shared) {
        const { revive } = await import('@conc/core/internal');
        self = self === undefined ? undefined : await revive(self);
        args = await revive(args);
      }
      if (self !== undefined) {
        const record = self as Record<string, unknown>;
        for (const [key, value] of [['name', start.name], ['daemon', start.daemon]] as const) {
          if (!(key in record)) Object.defineProperty(record, key, { value, enumerable: false });
        }
      }
      await fn.apply(self, args as unknown[]);
    }
  } catch (error) {
    printException(`Process ${start.name}:`, error);
    process.exitCode = 1;
    const { serializeError } = await import('@conc/core/internal');
    await send({ type: 'error', error: serializeError(error) });
  }
  // As Python's multiprocessing does after run(): join the non-daemon children, then exit,
  // whatever the target left open. stdout/stderr are the parent's descriptors, written
  // synchronously, so nothing printed is lost.
  await joinStartedChildren();
  // IPC messages go out in order: once this one is flushed, so are the forwarded traces.
  await send({ type: 'done' });
  await flushOutput();
  process.exit();
}
