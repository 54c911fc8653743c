import { StateError, TimeoutError } from '@conc/core';
import { checkTimeout } from '@conc/core/internal';

type State = 'pending' | 'fulfilled' | 'rejected';

const settleKey: unique symbol = Symbol('settle');

// The resolve function of the result being constructed: one executor for all results, so a
// result costs no closure of its own (20k results submitted at once are 20k of these). Only
// `resolve` is kept: a failure resolves with a rejected promise, so the unused `reject`
// function is garbage at once instead of living as long as the task.
let capturedResolve: ((value: unknown) => void) | undefined;
function capture(resolve: (value: unknown) => void): void {
  capturedResolve = resolve;
}

/** `Promise`, typed as making {@link Awaitable}s. */
const AwaitableBase = Promise as unknown as new <T>(executor: typeof capture) => Awaitable<T>;

/**
 * What a result is to TypeScript: `PromiseLike`, with a `then` that gives a `Promise`. It is a
 * `Promise` at run time, but typed as one, a result nobody keeps (`applyAsync(fn, args,
 * { callback })`, Python's habit) would be a "floating promise" to linters.
 */
interface Awaitable<T> extends PromiseLike<T> {
  /**
   * Lets `await result` give the value or throw the task's error.
   * @param onfulfilled - Called with the value.
   * @param onrejected - Called with the error.
   * @returns A promise of what the handler returns.
   */
  then<T1 = T, T2 = never>(
    onfulfilled?: ((value: T) => T1 | PromiseLike<T1>) | null,
    onrejected?: ((reason: any) => T2 | PromiseLike<T2>) | null,
  ): Promise<T1 | T2>;
}

/**
 * The result of a task submitted with `applyAsync`, `mapAsync` or `starmapAsync`.
 * Python: `multiprocessing.pool.AsyncResult`.
 *
 * It is `PromiseLike` (a `Promise` at run time): `await pool.applyAsync(...)` gives the value
 * (or throws the task's error), and so does `Promise.all` over results. The
 * `callback`/`errorCallback` given at submission have run by the time it is ready. A failed
 * result nobody looks at is not an unhandled rejection: the error waits in `get()`.
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
export class AsyncResult<R> extends AwaitableBase<R> {
  #state: State = 'pending';
  #resolve: ((value: unknown) => void) | undefined;

  /** @internal Made by the pool; user code receives these from `applyAsync` and friends. */
  constructor() {
    super(capture);
    this.#resolve = capturedResolve;
    capturedResolve = undefined;
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
    if (this.#state !== 'pending' || ms === Infinity) return this as unknown as Promise<R>;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`AsyncResult.get: no result within ${ms} ms`)), ms);
      this.then(
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
    const done = this.then(noop, noop);
    if (this.#state !== 'pending' || ms === Infinity) return done;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void done.then(() => (clearTimeout(timer), resolve()));
    });
  }

  /** @internal Settles the result once; later calls are ignored. */
  [settleKey](error: unknown, value: R | undefined, failed: boolean): void {
    if (this.#state !== 'pending') return;
    this.#state = failed ? 'rejected' : 'fulfilled';
    const resolve = this.#resolve!;
    this.#resolve = undefined;
    if (failed) {
      // Handled before it rejects, so an unread failure is no unhandled rejection (a handler on
      // every result would cost a promise each: only failures pay, as they pay for the
      // rejected promise they resolve with, itself handled).
      this.then(undefined, noop);
      const rejected = Promise.reject(error);
      rejected.catch(noop);
      resolve(rejected);
    } else resolve(value);
  }
}

// Promises built from a result (`then`, `catch`, `finally`) are plain promises; and
// `Promise.resolve(result)`, which `await` and `Promise.all` do, gives back the result itself
// (they check `constructor` against `Promise`), where a thenable or a plain subclass costs a
// wrapper promise, a job and a second promise per result: most of the bytes a tiny task
// allocated. `instanceof AsyncResult` still holds (it follows the prototype chain).
Reflect.defineProperty(AsyncResult.prototype, 'constructor', { value: Promise, writable: true, configurable: true, enumerable: false });
// So that it still shows as what it is (`Promise [AsyncResult] { 42 }`, `[object AsyncResult]`).
Reflect.defineProperty(AsyncResult.prototype, Symbol.toStringTag, { value: 'AsyncResult', writable: false, configurable: true, enumerable: false });

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
