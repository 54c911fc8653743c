/**
 * A pending `Atomics.waitAsync` does not keep Node's event loop (or a worker's) alive: with
 * nothing else pending the process simply exits mid-wait. One ref-counted timer handle per
 * thread stands in for all pending async waits.
 */
let refs = 0;
let handle: ReturnType<typeof setInterval> | undefined;

/** Keeps this thread's event loop alive until the matching {@link releaseKeepAlive}. @internal */
export function holdKeepAlive(): void {
  if (refs++ === 0) {
    handle ??= setInterval(noop, 2 ** 31 - 1);
    handle.ref();
  }
}

/** Undoes one {@link holdKeepAlive}. @internal */
export function releaseKeepAlive(): void {
  if (refs > 0 && --refs === 0) handle?.unref();
}

/** How many holds are outstanding on this thread (for tests and diagnostics). @internal */
export function keepAliveCount(): number {
  return refs;
}

function noop(): void {}
