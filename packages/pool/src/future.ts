import { CancelledError, TimeoutError } from '@conc/core';
import { checkTimeout, typeName } from '@conc/core/internal';

/** What a future asks of the task behind it (the executor's unit in the pool's engine). @internal */
export interface FutureTask {
  /** Whether the task has been handed to a worker: from then on it cannot be cancelled. */
  started(): boolean;
  /** Takes the task out before it starts; `false` when it has already started. */
  cancel(): boolean;
}

type State = 'pending' | 'running' | 'cancelled' | 'finished';

const settleKey: unique symbol = Symbol('settle');
const watchKey: unique symbol = Symbol('watch');
const unwatchKey: unique symbol = Symbol('unwatch');
const failedKey: unique symbol = Symbol('failed');

let ids = 0;

/**
 * The eventual result of a task submitted to an executor. Python: `concurrent.futures.Future`.
 *
 * It is `PromiseLike`: `await future` gives the value or throws the task's error (or
 * `CancelledError`). `result(timeout)` and `exception(timeout)` wait at most `timeout` ms.
 * A future can be cancelled while it waits for a worker; once a worker has it, it is
 * `running()` and `cancel()` returns `false`. Done callbacks run in the order added, with the
 * future as their argument, on this thread as soon as it is done (at once when it already
 * is); an error thrown by one is printed and the others still run.
 *
 * A failed future nobody looks at is not an unhandled rejection: the error waits in
 * `result()`.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from '@conc/pool';
 * await using executor = new ThreadPoolExecutor(2);
 * const future = executor.submit((x: number) => x * 2, 21);
 * future.addDoneCallback((f) => console.log('done:', f.done())); // 'done: true'
 * console.log(await future.result(10_000)); // 42
 * ```
 */
export class Future<R = unknown> implements PromiseLike<R> {
  readonly #id = ++ids;
  #state: State = 'pending';
  #failed = false;
  #outcome: unknown;
  #task: FutureTask | undefined;
  // Made on first use: most futures of a big submit are read once, through one promise or none.
  #promise: Promise<R> | undefined;
  // Typed without R where R would sit in a parameter, so that Future<R> stays covariant: a
  // Future<number> is a Future<unknown>, and futures of several types mix in one list.
  #resolve: ((value: unknown) => void) | undefined;
  #reject: ((error: unknown) => void) | undefined;
  #callbacks: ((future: any) => void)[] | undefined;
  /** Internal listeners (`wait`, `asCompleted`), told before the user's callbacks, as in Python. */
  #watchers: ((future: any) => void)[] | undefined;

  /** @internal Made by an executor's `submit`; user code does not construct futures. */
  constructor(task?: FutureTask) {
    this.#task = task;
  }

  /**
   * Cancels the task if no worker has it yet. Python: `Future.cancel`.
   * @returns `true` when the future is (now or already) cancelled; `false` when it is running
   *   or finished.
   */
  cancel(): boolean {
    if (this.#state === 'cancelled') return true;
    if (this.#state !== 'pending') return false;
    const task = this.#task;
    if (task) {
      if (task.started()) {
        this.#state = 'running';
        return false;
      }
      // Cancelled first: the task settling as it is taken out must not finish the future.
      this.#state = 'cancelled';
      if (!task.cancel()) {
        this.#state = 'running';
        return false;
      }
    }
    this.#done('cancelled', true, new CancelledError('the future was cancelled'));
    return true;
  }

  /**
   * Whether the future was cancelled.
   * @returns `true` after a successful {@link Future.cancel}.
   */
  cancelled(): boolean {
    return this.#state === 'cancelled';
  }

  /**
   * Whether a worker has the task and it has not finished. Python: `Future.running`.
   * @returns `true` while it runs.
   */
  running(): boolean {
    if (this.#state === 'pending' && this.#task?.started()) this.#state = 'running';
    return this.#state === 'running';
  }

  /**
   * Whether the future is finished or cancelled. Python: `Future.done`.
   * @returns `true` once it has a result, an error, or was cancelled.
   */
  done(): boolean {
    return this.#state === 'finished' || this.#state === 'cancelled';
  }

  /**
   * Waits for the task's value. Python: `Future.result`.
   * @param timeout - Milliseconds; `undefined`/`Infinity` waits forever, `0` does not wait.
   * @returns The value.
   * @throws (as a rejection) the task's error; `CancelledError` when the future was or gets
   *   cancelled; `TimeoutError` when the time runs out first; `RangeError`/`TypeError` for a
   *   bad timeout.
   */
  result(timeout?: number): Promise<R> {
    let ms: number;
    try {
      ms = checkTimeout(timeout, 'Future.result');
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.#waitFor(ms, 'Future.result');
  }

  /**
   * Waits for the task and gives its error. Python: `Future.exception`.
   * @param timeout - Milliseconds; `undefined`/`Infinity` waits forever, `0` does not wait.
   * @returns The error the task failed with, or `undefined` when it succeeded.
   * @throws (as a rejection) `CancelledError` when the future was or gets cancelled;
   *   `TimeoutError` when the time runs out first; `RangeError`/`TypeError` for a bad timeout.
   */
  exception(timeout?: number): Promise<unknown> {
    let ms: number;
    try {
      ms = checkTimeout(timeout, 'Future.exception');
    } catch (error) {
      return Promise.reject(error as Error);
    }
    return this.#waitFor(ms, 'Future.exception').then(
      () => undefined,
      (error: unknown) => {
        // Not done: the wait timed out; cancelled: CancelledError. Otherwise it is the task's error.
        if (!this.done() || this.#state === 'cancelled') throw error;
        return error;
      },
    );
  }

  /**
   * Calls `fn(future)` when the future is done (finished or cancelled); at once, on this
   * thread, when it already is. Callbacks run in the order added; an error one throws is
   * printed to stderr and does not stop the others. Python: `Future.add_done_callback`.
   * @param fn - Called with this future.
   * @throws TypeError when `fn` is not a function.
   */
  addDoneCallback(fn: (future: Future<R>) => void): void {
    if (typeof fn !== 'function') throw new TypeError(`Future.addDoneCallback: fn must be a function called with the future, got ${typeName(fn)}`);
    if (this.done()) this.#call(fn);
    else (this.#callbacks ??= []).push(fn);
  }

  /**
   * Lets `await future` give the value or throw the task's error (`CancelledError` when
   * cancelled).
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

  /**
   * Python's `repr`: `<Future state=pending>`, `<Future state=finished returned number>`,
   * `<Future state=finished raised TypeError>`, `<Future state=cancelled>`.
   * @returns The description.
   */
  toString(): string {
    const state = this.running() ? 'running' : this.#state;
    if (state !== 'finished') return `<Future #${this.#id} state=${state}>`;
    const what = this.#failed ? `raised ${(this.#outcome as Error | undefined)?.name ?? typeName(this.#outcome)}` : `returned ${kindOf(this.#outcome)}`;
    return `<Future #${this.#id} state=finished ${what}>`;
  }

  /** @internal Settles the future once with the task's outcome; `false` when it was already done. */
  [settleKey](failed: boolean, outcome: unknown): boolean {
    if (this.done()) return false;
    this.#done('finished', failed, outcome);
    return true;
  }

  /** @internal Adds a listener told when the future is done, before the user's callbacks. */
  [watchKey](fn: (future: Future<R>) => void): void {
    (this.#watchers ??= []).push(fn);
  }

  /** @internal Removes a listener added with {@link watchKey}. */
  [unwatchKey](fn: (future: Future<R>) => void): void {
    const index = this.#watchers?.indexOf(fn) ?? -1;
    if (index >= 0) this.#watchers!.splice(index, 1);
  }

  /** @internal Whether it finished with an error (not cancelled). */
  [failedKey](): boolean {
    return this.#state === 'finished' && this.#failed;
  }

  #settled(): Promise<R> {
    if (this.#promise) return this.#promise;
    if (this.done()) this.#promise = this.#failed ? Promise.reject(this.#outcome as Error) : Promise.resolve(this.#outcome as R);
    else {
      this.#promise = new Promise<R>((resolve, reject) => {
        this.#resolve = resolve as (value: unknown) => void;
        this.#reject = reject;
      });
    }
    // The error is reported through result()/then(); an unread failure must not crash Node.
    this.#promise.catch(noop);
    return this.#promise;
  }

  #waitFor(ms: number, what: string): Promise<R> {
    if (this.done() || ms === Infinity) return this.#settled();
    if (ms === 0) return Promise.reject(new TimeoutError(`${what}: the future is not done (timeout 0)`));
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new TimeoutError(`${what}: the future was not done within ${ms} ms`)), ms);
      this.#settled().then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error: unknown) => (clearTimeout(timer), reject(error as Error)),
      );
    });
  }

  #done(state: 'finished' | 'cancelled', failed: boolean, outcome: unknown): void {
    this.#state = state;
    this.#failed = failed;
    this.#outcome = outcome;
    this.#task = undefined;
    if (failed) this.#reject?.(outcome);
    else this.#resolve?.(outcome);
    this.#resolve = this.#reject = undefined;
    const watchers = this.#watchers;
    this.#watchers = undefined;
    if (watchers) for (const watcher of watchers) watcher(this);
    const callbacks = this.#callbacks;
    this.#callbacks = undefined;
    if (callbacks) for (const fn of callbacks) this.#call(fn);
  }

  #call(fn: (future: any) => void): void {
    try {
      fn(this);
    } catch (error) {
      // Python logs it ("exception calling callback for <Future ...>") and goes on.
      console.error(`exception calling callback for ${this.toString()}:`, error);
    }
  }
}

/**
 * A {@link Future} as `asCompleted` yields it. TypeScript types the variable of
 * `for await (const future of ...)` as the *awaited* element, which for a `PromiseLike` future
 * would be its value; hiding `then` keeps it typed as the future it is at run time (usable as
 * a `Map` key, with `result()`, `done()`...). Read its value with `await future.result()`.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor, asCompleted, type Future, type IteratedFuture } from '@conc/pool';
 * await using executor = new ThreadPoolExecutor(1);
 * const future = executor.submit(() => 1);
 * for await (const done of asCompleted([future])) {
 *   const same: Future<number> = done satisfies IteratedFuture<Future<number>>;
 *   console.log(same === future, await done.result()); // true 1
 * }
 * ```
 */
export type IteratedFuture<F extends Future<unknown> = Future<unknown>> = F & {
  /** Hidden from TypeScript only (at run time it is the future's own `then`): see above. */
  readonly then: never;
};

/**
 * Settles `future` with a task's outcome (`failed` says whether `outcome` is an error).
 * @returns `false` when the future was already done (cancelled, or settled before).
 * @internal
 */
export function settleFuture<R>(future: Future<R>, failed: boolean, outcome: unknown): boolean {
  return future[settleKey](failed, outcome);
}

/** Tells `fn` when `future` is done (not at once when it already is: check `done()` first). @internal */
export function watchFuture<F extends Future<unknown>>(future: F, fn: (future: F) => void): void {
  future[watchKey](fn as (future: Future<unknown>) => void);
}

/** Undoes {@link watchFuture}. @internal */
export function unwatchFuture<F extends Future<unknown>>(future: F, fn: (future: F) => void): void {
  future[unwatchKey](fn as (future: Future<unknown>) => void);
}

/** Whether a done future failed with an error (not cancelled). @internal */
export function failedWithError<R>(future: Future<R>): boolean {
  return future[failedKey]();
}

/**
 * Reads `futures` into a set of distinct futures (Python's `set(fs)`), checking each.
 * @internal
 */
export function futureSet<F extends Future<unknown>>(futures: Iterable<F>, what: string): Set<F> {
  if (futures === null || futures === undefined || typeof (futures as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${what}: futures must be an iterable of Futures, got ${typeName(futures)}`);
  }
  const set = new Set<F>();
  let index = 0;
  for (const future of futures) {
    if (!(future instanceof Future)) throw new TypeError(`${what}: futures[${index}] must be a Future, got ${typeName(future)}`);
    set.add(future);
    index++;
  }
  return set;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name || 'object';
  return typeof value;
}

function noop(): void {}
