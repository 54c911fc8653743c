import { toDescriptor, traceChannel, type Shareable, type SharedDescriptor } from '@conc/core/internal';
import type { Lock } from '@conc/sync';

/** Spins on a held lock before sleeping on it (test and test-and-set). */
const LOCK_SPINS = 200;

/** What the queues use of a @conc/sync `Lock` beyond its public API (stripped from its types). */
interface InternalLock {
  _tryLock(): boolean;
}

/**
 * Takes `lock`, spinning briefly while another thread holds it: a queue's critical sections
 * last well under a microsecond, far less than a futex sleep and wake-up. Untraced, a free lock
 * is one compare-and-swap; tracing goes through `acquireSync` so the acquisition is published.
 * @internal
 */
export function lockSync(lock: Lock): void {
  if (!traceChannel.hasSubscribers) {
    const internal = lock as unknown as InternalLock;
    if (internal._tryLock()) return;
    for (let i = 0; i < LOCK_SPINS; i++) if (!lock.locked() && internal._tryLock()) return;
  } else for (let i = 0; i < LOCK_SPINS && lock.locked(); i++);
  lock.acquireSync();
}

/**
 * Takes `lock` if it is free (through `acquireSync` when tracing, so the acquisition is published).
 * @internal
 */
export function tryLock(lock: Lock): boolean {
  return traceChannel.hasSubscribers ? lock.acquireSync(0) : (lock as unknown as InternalLock)._tryLock();
}

/**
 * The descriptor of a queue's lock (a @conc/sync object, whose `[toDescriptor]` is internal to that package).
 * @internal
 */
export function describeLock(lock: Lock): SharedDescriptor {
  return (lock as unknown as Shareable)[toDescriptor]();
}
