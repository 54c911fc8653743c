import { toDescriptor, traceChannel, type Shareable, type SharedDescriptor } from '@conc/core/internal';
import type { Lock } from '@conc/sync';

/** Spins on a held lock before sleeping on it (test and test-and-set). */
const LOCK_SPINS = 200;
/**
 * How long a call with a shorter timeout (a `*Nowait`, `timeout: 0`) may still wait for the
 * queue's own lock: its holders keep it for well under a microsecond, but may be descheduled
 * for a few milliseconds on a busy machine; a non-blocking call that failed for that alone
 * would be spurious. Bounded, so a lock whose dead holder is not yet known never blocks it.
 */
const LOCK_SLACK_MS = 20;

/** What the queues use of a @conc/sync `Lock` beyond its public API (stripped from its types). */
interface InternalLock {
  _tryLock(): boolean;
  _abandoned(): boolean;
  _lockSync(deadline: number): boolean;
  _lockAsync(deadline: number, signal: AbortSignal | undefined): Promise<boolean>;
  _repair: (() => void) | undefined;
  _traceAs: { kind: string; id: number } | undefined;
}

/** The deadline for taking a queue's lock in an operation whose own deadline is `deadline`. */
function lockDeadline(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(deadline, performance.now() + LOCK_SLACK_MS);
}

/**
 * Takes `lock`, spinning briefly while another thread holds it: a queue's critical sections
 * last well under a microsecond, far less than a futex sleep and wake-up. A free lock is one
 * compare-and-swap. False when `deadline` (a `performance.now()` time, plus a little slack)
 * passed first: the caller holds nothing.
 * @internal
 */
export function lockSync(lock: Lock, deadline = Infinity): boolean {
  const internal = lock as unknown as InternalLock;
  if (!traceChannel.hasSubscribers) {
    if (internal._tryLock()) return true;
    for (let i = 0; i < LOCK_SPINS; i++) if (!lock.locked() && internal._tryLock()) return true;
  } else for (let i = 0; i < LOCK_SPINS && lock.locked(); i++);
  return internal._lockSync(lockDeadline(deadline));
}

/** The async form of {@link lockSync}: rejects with the signal's reason on abort, holding nothing. @internal */
export function lockAsync(lock: Lock, deadline = Infinity, signal?: AbortSignal): Promise<boolean> {
  return (lock as unknown as InternalLock)._lockAsync(lockDeadline(deadline), signal);
}

/**
 * Repairs what a dead holder of `lock` left, if it is held by one: takes the lock over and
 * releases it. Lock-free readers (`qsize()`) call it first, so that they see the repaired words.
 * @internal
 */
export function settle(lock: Lock): void {
  if ((lock as unknown as InternalLock)._abandoned() && lockSync(lock)) lock.release();
}

/**
 * Takes `lock` if it is free (through `acquireSync` when tracing, so the acquisition is published).
 * @internal
 */
export function tryLock(lock: Lock): boolean {
  return traceChannel.hasSubscribers ? lock.acquireSync(0) : (lock as unknown as InternalLock)._tryLock();
}

/**
 * Makes `lock` a queue's own: `repair` runs holding it when a waiter took it over from a thread
 * that died holding it, and the `abandoned` trace event names the queue (`kind`, `id`).
 * @internal
 */
export function ownLock(lock: Lock, kind: string, id: number, repair: () => void): void {
  const internal = lock as unknown as InternalLock;
  internal._repair = repair;
  internal._traceAs = { kind, id };
}

/**
 * The descriptor of a queue's lock (a @conc/sync object, whose `[toDescriptor]` is internal to that package).
 * @internal
 */
export function describeLock(lock: Lock): SharedDescriptor {
  return (lock as unknown as Shareable)[toDescriptor]();
}
