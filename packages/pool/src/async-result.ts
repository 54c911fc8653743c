import { StateError, TimeoutError } from '@conc/core';
import { checkTimeout } from '@conc/core/internal';

type State = 'pending' | 'fulfilled' | 'rejected';

const settleKey: unique symbol = Symbol('settle');

/**
 * The result of a task submitted with `applyAsync`, `mapAsync` or `starmapAsync`.
 * Python: `multiprocessing.pool.AsyncResult`.
 *
 * It is `PromiseLike`, so `await pool.applyAsync(...)` gives the value (or throws the task's
 * error). The `callback`/`errorCallback` given at submission have run by the time it is ready.
 * A failed result nobody looks at is not an unhandled rejection: the error waits in `get()`.
 *
 * @example
 * ```ts
 * import { Pool } from '@conc/pool';
 * const pool = new Pool(2);
 * const result = pool.applyAsync((x: number) => x * 2, [21]);
 * await result.wait();
 * console.log(result.ready(), result.successful(), await result.get()); // true true 42
 * await pool.terminate();
 * ```
 */
export class AsyncResult<R> implements PromiseLike<R> {
  #state: State = 'pending';
  #outcome: unknown;
  // Made on first use: most results of a big batch are read once, many never through a promise.
  #promise: Promise<R> | undefined;
  #resolve: ((value: R) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;

  /** @internal Made by the pool; user code receives these from `applyAsync` and friends. */
  constructor() {}

  #settled(): Promise<R> {
    if (this.#promise) return this.#promise;
    if (this.#state === 'fulfilled') this.#promise = Promise.resolve(this.#outcome as R);
    else if (this.#state === 'rejected') {
      this.#promise = Promise.reject(this.#outcome as Error);
      // The error is reported through get()/then(); an unread failure must not crash Node.
      this.#promise.catch(noop);
    } else {
      this.#promise = new Promise<R>((resolve, reject) => {
        this.#resolve = resolve;
        this.#reject = reject;
      });
    }
    return this.#promise;
  }

  /**
   * Whether the task has finished (successfully or not), callbacks included.
   * @returns `true` once the result is settled.
   */
  ready(): boolean {
    return this.#state !== 'pending';
  }

  /**
   * Whether the task finished without an error.
   * @returns `true` when it succeeded, `false` when it failed.
   * @throws StateError when the result is not ready yet (Python: `ValueError`).
   */
  successful(): boolean {
    if (this.#state === 'pending') throw new StateError('AsyncResult.successful(): the result is not ready yet');
    return this.#state === 'fulfilled';
  }

  /**
   * Waits for the result.
   * @param timeout - Milliseconds; `undefined`/`Infinity` waits forever.
   * @returns The task's value.
   * @throws TimeoutError (as a rejection) when the time runs out first; the task's own error
   *   when it failed; RangeError/TypeError for a bad timeout.
   */
  get(timeout?: number): Promise<R> {
    let ms: number;
    try {
      ms = checkTimeout(timeout, 'AsyncResult.get');
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (this.#state !== 'pending' || ms === Infinity) return this.#settled();
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`AsyncResult.get: no result within ${ms} ms`)), ms);
      this.#settled().then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error: unknown) => (clearTimeout(timer), reject(error as Error)),
      );
    });
  }

  /**
   * Waits until the result is ready or the time runs out; never rejects for the task's error
   * nor for the timeout (check `ready()`).
   * @param timeout - Milliseconds; `undefined`/`Infinity` waits forever.
   * @returns A promise that resolves when ready or at the timeout.
   * @throws RangeError/TypeError (as a rejection) for a bad timeout.
   */
  wait(timeout?: number): Promise<void> {
    let ms: number;
    try {
      ms = checkTimeout(timeout, 'AsyncResult.wait');
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const done = this.#settled().then(noop, noop);
    if (this.#state !== 'pending' || ms === Infinity) return done;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void done.then(() => (clearTimeout(timer), resolve()));
    });
  }

  /**
   * Lets `await result` give the value or throw the task's error.
   * @param onfulfilled - Called with the value.
   * @param onrejected - Called with the error.
   * @returns A promise of what the handler returns.
   */
  then<T1 = R, T2 = never>(
    onfulfilled?: ((value: R) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: any) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2> {
    return this.#settled().then(onfulfilled, onrejected);
  }

  /** @internal Settles the result once; later calls are ignored. */
  [settleKey](error: unknown, value: R | undefined, failed: boolean): void {
    if (this.#state !== 'pending') return;
    this.#state = failed ? 'rejected' : 'fulfilled';
    this.#outcome = failed ? error : value;
    if (failed) {
      // Marked handled only when it fails: a catch per result would cost a promise each.
      this.#promise?.catch(noop);
      this.#reject?.(error);
    } else this.#resolve?.(value as R);
    this.#resolve = this.#reject = undefined;
  }
}

/**
 * Settles an `AsyncResult` after running the user's callback (Python runs it in the result
 * handler thread before marking the result ready). A callback that throws makes the result
 * fail with that error, so it is never silently lost.
 * @internal
 */
export function settleResult<R>(
  result: AsyncResult<R>,
  error: unknown,
  value: R | undefined,
  failed: boolean,
  callback?: (value: R) => void,
  errorCallback?: (error: unknown) => void,
): void {
  if (result.ready()) return;
  try {
    if (failed) errorCallback?.(error);
    else callback?.(value as R);
  } catch (thrown) {
    result[settleKey](thrown, undefined, true);
    return;
  }
  result[settleKey](error, value, failed);
}

function noop(): void {}
