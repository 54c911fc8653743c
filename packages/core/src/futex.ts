import { remaining } from './deadline.js';
import { holdKeepAlive, releaseKeepAlive } from './keep-alive.js';

/** What a futex wait returned. @internal */
export type WaitResult = 'ok' | 'not-equal' | 'timed-out';

/**
 * Blocks the calling thread while `view[index] === expected`, until woken or `deadline`
 * (`performance.now()` time) passes. With `waiters >= 0`, the word `view[waiters]` counts this
 * waiter for the duration, so {@link wake} can skip the notify when nobody waits.
 *
 * Callers must re-check their condition after any result: wake-ups may be spurious.
 * @internal
 */
export function waitSync(view: Int32Array, index: number, expected: number, deadline: number, waiters = -1): WaitResult {
  const ms = remaining(deadline);
  if (ms === 0) return Atomics.load(view, index) === expected ? 'timed-out' : 'not-equal';
  if (waiters < 0) return Atomics.wait(view, index, expected, ms);
  Atomics.add(view, waiters, 1);
  try {
    return Atomics.wait(view, index, expected, ms);
  } finally {
    Atomics.sub(view, waiters, 1);
  }
}

/**
 * The async form of {@link waitSync}: never blocks the event loop and keeps the thread alive
 * while pending. When `signal` aborts, rejects with `signal.reason` and wakes the other waiters
 * on the word, so that a wake-up this waiter may have absorbed is not lost (everyone re-checks).
 * @internal
 */
export async function waitAsync(
  view: Int32Array,
  index: number,
  expected: number,
  deadline: number,
  signal?: AbortSignal,
  waiters = -1,
): Promise<WaitResult> {
  if (signal?.aborted) throw signal.reason;
  // waitAsync costs far more than a load even when it returns at once: check first.
  if (Atomics.load(view, index) !== expected) return 'not-equal';
  const ms = remaining(deadline);
  if (ms === 0) return 'timed-out';
  if (waiters >= 0) Atomics.add(view, waiters, 1);
  try {
    const pending = Atomics.waitAsync(view, index, expected, ms);
    if (!pending.async) return pending.value;
    holdKeepAlive();
    try {
      if (!signal) return await pending.value;
      return await new Promise<WaitResult>((resolve, reject) => {
        const onAbort = (): void => {
          // The abandoned waitAsync stays queued in V8 and would swallow a notify(1):
          // wake the word so it is dropped and the live waiters re-check.
          Atomics.notify(view, index);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        pending.value.then((result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        }, reject);
      });
    } finally {
      releaseKeepAlive();
    }
  } finally {
    if (waiters >= 0) Atomics.sub(view, waiters, 1);
  }
}

/**
 * Wakes up to `count` threads waiting on `view[index]`. With `waiters >= 0`, skips the
 * notify (which takes V8's global futex mutex) when the waiter count is zero.
 * Publish the state change with an Atomics write *before* calling this.
 * @internal
 */
export function wake(view: Int32Array, index: number, count = Infinity, waiters = -1): number {
  if (waiters >= 0 && Atomics.load(view, waiters) === 0) return 0;
  return Atomics.notify(view, index, count);
}
