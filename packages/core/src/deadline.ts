/**
 * Deadlines are absolute `performance.now()` times, so a wait that is woken early and waits
 * again never extends its total time.
 */

/** The deadline `ms` milliseconds from now (`Infinity` stays `Infinity`). @internal */
export function deadlineAfter(ms: number): number {
  return ms === Infinity ? Infinity : performance.now() + ms;
}

/** Milliseconds left until `deadline`, never negative; `Infinity` for no deadline. @internal */
export function remaining(deadline: number): number {
  if (deadline === Infinity) return Infinity;
  const left = deadline - performance.now();
  return left > 0 ? left : 0;
}
