import { TimeoutError, type WaitOptions } from '@conc/core';

/**
 * What `await x.guard()` returns: holds the lock until disposed, so that
 * `using held = await lock.guard()` releases it at the end of the block, as Python's `with`.
 */
export interface Guard extends Disposable {
  /** Releases the lock (the same as disposing the guard); a second call does nothing. */
  release(): void;
}

/** The acquire/release pair the scoped helpers drive. @internal */
export interface Acquirable {
  acquire(opts?: number | WaitOptions): Promise<boolean>;
  release(): void;
}

/** Acquire, run `fn`, always release: the body of every `with`. @internal */
export async function runWith<T>(target: Acquirable, what: string, fn: () => T | Promise<T>, opts?: number | WaitOptions): Promise<T> {
  if (typeof fn !== 'function') throw new TypeError(`${what}.with: fn must be a function, got ${fn === null ? 'null' : typeof fn}`);
  if (!(await target.acquire(opts))) throw new TimeoutError(`${what}.with: timed out waiting to acquire`);
  try {
    return await fn();
  } finally {
    target.release();
  }
}

/** Acquire and hand back a disposable guard: the body of every `guard`. @internal */
export async function makeGuard(target: Acquirable, what: string, opts?: number | WaitOptions): Promise<Guard> {
  if (!(await target.acquire(opts))) throw new TimeoutError(`${what}.guard: timed out waiting to acquire`);
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    target.release();
  };
  return { release, [Symbol.dispose]: release };
}
