import { liveProcesses } from './process.js';
import { liveThreads } from './thread.js';

/**
 * Waits for the non-daemon threads and processes started from this thread, including those
 * they start meanwhile: what a Python thread or process does before it exits. Then the worker
 * or child can exit even if the target left timers or sockets behind (a Python thread ends
 * when `run()` returns; Node would otherwise keep it alive).
 * @internal
 */
export async function joinNonDaemonChildren(): Promise<void> {
  for (;;) {
    const pending = [...liveThreads(), ...liveProcesses()].filter((child) => !child.daemon);
    if (pending.length === 0) return;
    await Promise.all(pending.map((child) => child.join()));
  }
}
