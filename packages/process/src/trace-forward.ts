import { traceChannel, type TraceEvent } from '@conc/core/internal';

/**
 * Trace events of threads and child processes reach the parent's '@conc/trace' channel only
 * while somebody subscribes there. diagnostics_channel has no "subscribed" event, so the parent
 * polls `hasSubscribers` (every 100 ms, only while children run) into a shared flag word that
 * children poll in turn: tracing costs nothing when nobody listens.
 */
const flag = new Int32Array(new SharedArrayBuffer(4));
let children = 0;
let poller: ReturnType<typeof setInterval> | undefined;

function publishFlag(): void {
  Atomics.store(flag, 0, traceChannel.hasSubscribers ? 1 : 0);
}

/**
 * The flag word children read; refreshed now. Call {@link childStarted}/{@link childEnded}
 * around a child's life so that the flag is kept fresh while it runs.
 * @internal
 */
export function traceFlag(): Int32Array {
  publishFlag();
  return flag;
}

/** @internal */
export function childStarted(): void {
  publishFlag();
  if (children++ === 0) {
    poller = setInterval(publishFlag, 100);
    poller.unref();
  }
}

/** @internal */
export function childEnded(): void {
  if (children > 0 && --children === 0 && poller) {
    clearInterval(poller);
    poller = undefined;
  }
}

/**
 * Re-publishes an event that happened in a child on this thread's channel (when still wanted).
 * @internal
 */
export function republish(event: unknown): void {
  if (traceChannel.hasSubscribers) traceChannel.publish(event as TraceEvent);
}
