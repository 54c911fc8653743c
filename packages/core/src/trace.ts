import { channel } from 'node:diagnostics_channel';
import { threadIdentity } from './identity.js';

/**
 * What happened to a @conc object, as published on {@link traceChannel}: `type` is what
 * happened (`'acquire'`, `'release'`, `'wait'`, `'wake'`, `'set'`, `'notify'`, `'put'`,
 * `'get'`, `'start'`, `'exit'`, ...), `kind` the class (`'Lock'`), `id` the object's id (the same
 * in every thread), `thread` the identity of the thread it happened in, `at` the time
 * (`performance.timeOrigin + performance.now()`, comparable across threads).
 *
 * `type: 'abandoned'`: a lock whose holder died (a thread or pool worker that exited holding it,
 * a child process whose broker connection closed) was taken over or released. `kind` and `id`
 * name the lock (`'Lock'`, `'RLock'`; a queue's or barrier's own lock is reported as the
 * object's kind with the object's id), `thread` is the thread that took it over (for a child
 * process, the broker's), and the details say who held it: `holder` (the dead thread's
 * identity) and `reason` (`'holder exited'`, or `'process ended'` from the broker).
 */
export interface TraceEvent {
  type: string;
  kind: string;
  id: number;
  thread: number;
  at: number;
  [detail: string]: unknown;
}

/**
 * The `node:diagnostics_channel` channel every package publishes its events on. Publishing is
 * skipped entirely while nobody subscribes, so tracing costs one property read when off.
 * @internal
 */
export const traceChannel = channel('@conc/trace');

/**
 * Publishes a trace event when somebody listens. Call as
 * `if (traceChannel.hasSubscribers) trace(...)` on hot paths to skip building the details.
 * @internal
 */
export function trace(type: string, kind: string, id: number, details?: Record<string, unknown>): void {
  if (!traceChannel.hasSubscribers) return;
  traceChannel.publish({ ...details, type, kind, id, thread: threadIdentity(), at: performance.timeOrigin + performance.now() } satisfies TraceEvent);
}
