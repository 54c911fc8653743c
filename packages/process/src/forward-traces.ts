import type { traceChannel } from '@conc/core/internal';

/**
 * In a child: while `isWanted()` says the parent listens, subscribe to this thread's
 * '@conc/trace' channel and hand every event to `send`. Polled every 100 ms on an unref'd timer.
 *
 * The core (where the channel lives) is imported only once tracing is wanted: a thread or
 * process nobody traces starts without loading it, which is most of what a start costs beyond
 * Node's own (see the README's "Start-up cost").
 *
 * @returns `check`: re-reads the flag now; its promise settles once the subscription matches
 *   it (await it before running the target, so that its first events are forwarded too).
 * @internal
 */
export function forwardTraces(isWanted: () => boolean, send: (event: unknown) => void): () => Promise<void> {
  let channel: typeof traceChannel | undefined;
  let loading: Promise<void> | undefined;
  let subscribed = false;
  const forward = (event: unknown): void => {
    try {
      send(event);
    } catch {
      // The parent is gone or the channel closed: tracing must never break the program.
    }
  };
  const check = (): Promise<void> => {
    const wanted = isWanted();
    if (wanted === subscribed) return Promise.resolve();
    if (!channel) {
      loading ??= import('@conc/core/internal').then((core) => {
        channel = core.traceChannel;
      });
      return loading.then(check, () => {});
    }
    if (wanted) channel.subscribe(forward);
    else channel.unsubscribe(forward);
    subscribed = wanted;
    return Promise.resolve();
  };
  void check();
  const timer = setInterval(() => void check(), 100);
  timer.unref();
  return check;
}
