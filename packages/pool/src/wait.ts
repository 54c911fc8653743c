import { checkTimeout, typeName } from '@conc/core/internal';
import { failedWithError, futureSet, unwatchFuture, watchFuture, type Future } from './future.js';

/**
 * When {@link wait} returns. Python: the constants `FIRST_COMPLETED`, `FIRST_EXCEPTION`,
 * `ALL_COMPLETED` (these strings are their values).
 *
 * @example
 * ```ts
 * import type { ReturnWhen } from '@conc/pool';
 * const when: ReturnWhen = 'FIRST_COMPLETED';
 * console.log(when); // 'FIRST_COMPLETED'
 * ```
 */
export type ReturnWhen = 'ALL_COMPLETED' | 'FIRST_COMPLETED' | 'FIRST_EXCEPTION';

/**
 * Options of {@link wait}.
 *
 * @example
 * ```ts
 * import type { WaitForOptions } from '@conc/pool';
 * const options: WaitForOptions = { timeout: 1000, returnWhen: 'FIRST_EXCEPTION' };
 * console.log(options.returnWhen); // 'FIRST_EXCEPTION'
 * ```
 */
export interface WaitForOptions {
  /** Milliseconds at most; `undefined`/`Infinity` waits forever. Running out is not an error. */
  timeout?: number;
  /** `'ALL_COMPLETED'` (default), `'FIRST_COMPLETED'` or `'FIRST_EXCEPTION'`. */
  returnWhen?: ReturnWhen;
}

/**
 * The futures split by {@link wait}: `done` (finished or cancelled) and `notDone`.
 *
 * @example
 * ```ts
 * import { wait, type DoneAndNotDone } from '@conc/pool';
 * const result: DoneAndNotDone = await wait([]);
 * console.log(result.done.size, result.notDone.size); // 0 0
 * ```
 */
export interface DoneAndNotDone<F extends Future<unknown> = Future<unknown>> {
  /** The futures finished or cancelled when `wait` returned. */
  done: Set<F>;
  /** The others. */
  notDone: Set<F>;
}

const RETURN_WHEN = new Set<unknown>(['ALL_COMPLETED', 'FIRST_COMPLETED', 'FIRST_EXCEPTION']);

/**
 * Waits until all the futures are done, the first one is, or the first one fails, or the time
 * runs out, and splits them into `done` and `notDone`. Python: `concurrent.futures.wait`.
 *
 * `'FIRST_EXCEPTION'` returns when a future finishes with an error (cancelled futures do not
 * count), else when all are done. Running out of time is not an error: the sets say what is
 * done. Duplicates count once.
 *
 * @param futures - Any iterable of futures (from any executors).
 * @param options - `timeout` (ms) and `returnWhen` (default `'ALL_COMPLETED'`).
 * @returns `{ done, notDone }`.
 * @throws (as a rejection) TypeError when `futures` is not an iterable of futures or
 *   `options` is not an object; RangeError for a bad `returnWhen` or timeout.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, wait } from '@conc/pool';
 * await using executor = new ThreadPoolExecutor(2);
 * const slow = (ms: number) => (Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms), ms);
 * const futures = [executor.submit(slow, 10), executor.submit(slow, 2000)];
 * const { done, notDone } = await wait(futures, { returnWhen: 'FIRST_COMPLETED' });
 * console.log(done.size, notDone.size); // 1 1
 * ```
 */
export function wait<F extends Future<unknown>>(futures: Iterable<F>, options?: WaitForOptions): Promise<DoneAndNotDone<F>> {
  let all: Set<F>;
  let ms: number;
  let returnWhen: ReturnWhen;
  try {
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError(`wait: options must be { timeout?, returnWhen? }, got ${typeName(options)}`);
    }
    ms = checkTimeout(options?.timeout, 'wait');
    returnWhen = options?.returnWhen ?? 'ALL_COMPLETED';
    if (!RETURN_WHEN.has(returnWhen)) {
      throw new RangeError(`wait: returnWhen must be 'ALL_COMPLETED', 'FIRST_COMPLETED' or 'FIRST_EXCEPTION', got ${typeName(returnWhen)}`);
    }
    all = futureSet(futures, 'wait');
  } catch (error) {
    return Promise.reject(error as Error);
  }
  if (satisfied(all, returnWhen) || ms === 0) return Promise.resolve(split(all));
  return new Promise<DoneAndNotDone<F>>((resolve) => {
    const pending = [...all].filter((future) => !future.done());
    let left = pending.length;
    let failed = false;
    let finished = false;
    let finishQueued = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      for (const future of pending) unwatchFuture(future, onDone);
      resolve(split(all));
    };
    const onDone = (future: F): void => {
      left--;
      if (failedWithError(future)) failed = true;
      const met = left === 0 || returnWhen === 'FIRST_COMPLETED' || (returnWhen === 'FIRST_EXCEPTION' && failed);
      if (!met || finishQueued) return;
      // One reply settles many futures in a row: split them once they all are, as a waiting
      // Python thread would see them when it wakes.
      finishQueued = true;
      queueMicrotask(finish);
    };
    const timer = ms === Infinity ? undefined : setTimeout(finish, ms);
    for (const future of pending) watchFuture(future, onDone);
  });
}

function satisfied(all: Set<Future<unknown>>, returnWhen: ReturnWhen): boolean {
  let done = 0;
  for (const future of all) {
    if (!future.done()) continue;
    if (returnWhen === 'FIRST_COMPLETED') return true;
    if (returnWhen === 'FIRST_EXCEPTION' && failedWithError(future)) return true;
    done++;
  }
  return done === all.size;
}

function split<F extends Future<unknown>>(all: Set<F>): DoneAndNotDone<F> {
  const done = new Set<F>();
  const notDone = new Set<F>();
  for (const future of all) (future.done() ? done : notDone).add(future);
  return { done, notDone };
}
