import { pathToFileURL } from 'node:url';

/**
 * At the end of a thread's or child's entry (CommonJS files, see thread-main.ts): when the
 * target started threads or processes, waits for the non-daemon ones as Python does. The
 * shutdown logic is the ES module build's, loaded by URL next to this entry, since it must see
 * the live threads and processes of the @conc/process the target loaded; `context.js` is loaded
 * here on demand, as a child's main thread has not loaded `node:worker_threads` yet.
 * @internal
 */
export async function joinStartedChildren(): Promise<void> {
  if ((await import('./context.js')).started.count === 0) return;
  const shutdown = (await import(new URL('./shutdown.js', pathToFileURL(__filename)).href)) as typeof import('./shutdown.js');
  await shutdown.joinNonDaemonChildren();
}
