import { threadsWith } from '@conc/test-kit';

/** Real worker threads running a test's function; locks and values arrive in them as the same objects. */
export const { start, inThreads } = threadsWith('@conc/sync');
export { sleep, until, stopAtAtomic, type Started } from '@conc/test-kit';

/** The shared words and lock behind an object (internal fields, stripped from the typings). */
export function internals(object: object): { i32: Int32Array; lock: { locked(): boolean } } {
  const o = object as { _i32: Int32Array; _lock: { locked(): boolean } };
  return { i32: o._i32, lock: o._lock };
}
