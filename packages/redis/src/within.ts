/**
 * `promise`, or a rejection with `error()` once `ms` have passed: no call waits on an absent
 * Redis longer than its timeout.
 * @internal
 */
export function within<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(error()), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** `promise`, or `undefined` once `ms` have passed: a shutdown never waits on an absent Redis. @internal */
export function atMost<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
