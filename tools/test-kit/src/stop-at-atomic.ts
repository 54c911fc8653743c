/**
 * In a worker: wraps the Atomics operations (which every lock and engine calls at each step) so
 * that the `stopAt`-th call, counting before and after each, never returns: it sets
 * `words[stopped]` and spins until the worker is terminated, i.e. the thread dies right there,
 * holding whatever it held. Shipped as source: call it as
 * `(0, eval)(`(${source})`)(words, stopAt, stopped)` with `source` = `stopAtAtomic.toString()`.
 */
export function stopAtAtomic(words: Int32Array, stopAt: number, stopped: number): void {
  const real = { store: Atomics.store, notify: Atomics.notify };
  let calls = 0;
  const stop = (): void => {
    real.store(words, stopped, 1);
    real.notify(words, stopped);
    for (;;);
  };
  const atomics = Atomics as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const name of ['store', 'add', 'sub', 'or', 'and', 'exchange', 'compareExchange']) {
    const original = atomics[name]!;
    atomics[name] = (...args: unknown[]) => {
      if (++calls === stopAt) stop();
      const result = original(...args);
      if (++calls === stopAt) stop();
      return result;
    };
  }
}
