/**
 * The base class of every error `@conc` raises on purpose.
 *
 * Catch `ConcError` to handle any of them; each subclass names the Python exception it
 * stands for.
 *
 * @example
 * ```ts
 * import { ConcError, TimeoutError } from '@conc/core';
 * const err = new TimeoutError('lock not acquired within 10 ms');
 * console.log(err instanceof ConcError, err.name); // true 'TimeoutError'
 * ```
 */
export class ConcError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    // Subclasses get their own class name without repeating it in each constructor.
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false, configurable: true, writable: true });
  }
}

/**
 * A wait ran out of time where the API promises a result rather than `false`
 * (`with`, `guard`, `AsyncResult.get`). Python: `TimeoutError` / `multiprocessing.TimeoutError`.
 *
 * @example
 * ```ts
 * import { TimeoutError } from '@conc/core';
 * console.log(new TimeoutError('too slow').name); // 'TimeoutError'
 * ```
 */
export class TimeoutError extends ConcError {}

/**
 * `get` on an empty queue after its timeout, or `getNowait` on an empty queue.
 * Python: `queue.Empty`.
 *
 * @example
 * ```ts
 * import { EmptyError } from '@conc/core';
 * console.log(new EmptyError().name); // 'EmptyError'
 * ```
 */
export class EmptyError extends ConcError {}

/**
 * `put` on a full queue after its timeout, or `putNowait` on a full queue.
 * Python: `queue.Full`.
 *
 * @example
 * ```ts
 * import { FullError } from '@conc/core';
 * console.log(new FullError().name); // 'FullError'
 * ```
 */
export class FullError extends ConcError {}

/**
 * An operation on a queue that has been shut down. Python 3.13: `queue.ShutDown`.
 *
 * @example
 * ```ts
 * import { ShutDownError } from '@conc/core';
 * console.log(new ShutDownError().name); // 'ShutDownError'
 * ```
 */
export class ShutDownError extends ConcError {}

/**
 * A `Barrier` that is broken (aborted, timed out, or its action threw).
 * Python: `threading.BrokenBarrierError`.
 *
 * @example
 * ```ts
 * import { BrokenBarrierError } from '@conc/core';
 * console.log(new BrokenBarrierError().name); // 'BrokenBarrierError'
 * ```
 */
export class BrokenBarrierError extends ConcError {}

/**
 * `recv` on a `Pipe` end whose peer has closed, with nothing left to read. Python: `EOFError`.
 *
 * @example
 * ```ts
 * import { EOFError } from '@conc/core';
 * console.log(new EOFError().name); // 'EOFError'
 * ```
 */
export class EOFError extends ConcError {}

/**
 * An operation not allowed in the object's current state: releasing an unheld lock, releasing
 * another thread's `RLock`, waiting on a `Condition` without holding it, one `taskDone()` too
 * many, over-releasing a `BoundedSemaphore`, starting a thread twice, using a closed pool.
 * Python raises `RuntimeError` or `ValueError` for these.
 *
 * @example
 * ```ts
 * import { StateError } from '@conc/core';
 * console.log(new StateError('release unlocked lock').name); // 'StateError'
 * ```
 */
export class StateError extends ConcError {}

/**
 * The plain-data form of an error, as it crosses threads and processes: what a
 * {@link RemoteError} is made from.
 *
 * @example
 * ```ts
 * import { RemoteError, type SerializedError } from '@conc/core';
 * const data: SerializedError = { name: 'KeyError', message: "'missing'" };
 * console.log(new RemoteError(data).name); // 'KeyError'
 * ```
 */
export interface SerializedError {
  /** The class name of the error where it was raised. */
  name: string;
  /** Its message. */
  message: string;
  /** Its stack where it was raised, if any. */
  stack?: string;
  /** Its cause (serialized too when it is an error). */
  cause?: unknown;
  /** Its `code` property (Node's system errors have one), if any. */
  code?: unknown;
}

/**
 * An error raised in another thread or process whose class is not a JavaScript built-in.
 * Keeps the remote `name`, `message`, `stack` and `cause`. Python: `multiprocessing.pool.RemoteTraceback`
 * chained to the re-raised exception.
 *
 * @example
 * ```ts
 * import { RemoteError } from '@conc/core';
 * const err = new RemoteError({ name: 'ValidationError', message: 'bad row' });
 * console.log(err.name, err.message); // 'ValidationError' 'bad row'
 * ```
 */
export class RemoteError extends ConcError {
  /** The stack as it was in the thread or process that raised the error. */
  readonly remoteStack: string | undefined;
  /**
   * @param remote - The error as plain data, or just a message (the name is then `'RemoteError'`).
   * @param options - `cause`, when `remote` is a message.
   */
  constructor(remote?: SerializedError | string, options?: ErrorOptions) {
    if (typeof remote !== 'object' || remote === null) {
      super(remote, options);
      this.remoteStack = undefined;
      return;
    }
    super(remote.message, remote.cause === undefined ? options : { cause: remote.cause });
    Object.defineProperty(this, 'name', { value: remote.name, enumerable: false, configurable: true, writable: true });
    this.remoteStack = remote.stack;
    if (remote.stack) this.stack = remote.stack;
  }
}

/**
 * The worker thread or process that was running a task died (it exited, was killed, ran out of
 * memory). Python's `Pool` hangs here; `@conc` reports it. `cause` says why.
 *
 * @example
 * ```ts
 * import { WorkerCrashedError } from '@conc/core';
 * console.log(new WorkerCrashedError('worker exited with code 1').name); // 'WorkerCrashedError'
 * ```
 */
export class WorkerCrashedError extends ConcError {}

/**
 * The manager handshake failed: wrong or missing `authkey`.
 * Python: `multiprocessing.AuthenticationError`.
 *
 * @example
 * ```ts
 * import { AuthenticationError } from '@conc/core';
 * console.log(new AuthenticationError('digest mismatch').name); // 'AuthenticationError'
 * ```
 */
export class AuthenticationError extends ConcError {}

/**
 * A value that cannot cross to another thread or process (a function, a symbol, a class
 * instance, a socket). `path` names where it sits, as in `args[1].handler`.
 * Python: `pickle.PicklingError`.
 *
 * Made with a path and a reason, the message is `'path: reason'`; made with a message alone
 * (as every other error class), the message is kept as it is and `path` is `undefined`.
 *
 * @example
 * ```ts
 * import { DataCloneError } from '@conc/core';
 * const err = new DataCloneError('args[0]', 'a function cannot cross');
 * console.log(err.path, err.message); // 'args[0]' 'args[0]: a function cannot cross'
 * console.log(new DataCloneError('cannot clone').message); // 'cannot clone'
 * ```
 */
export class DataCloneError extends ConcError {
  /** Where the value that cannot cross sits, e.g. `args[1].handler`; `undefined` when not known. */
  readonly path: string | undefined;
  constructor(message?: string, options?: ErrorOptions);
  constructor(path: string, reason: string, options?: ErrorOptions);
  constructor(pathOrMessage?: string, reasonOrOptions?: string | ErrorOptions, options?: ErrorOptions) {
    if (typeof reasonOrOptions === 'string') {
      super(`${pathOrMessage}: ${reasonOrOptions}`, options);
      this.path = pathOrMessage;
    } else {
      super(pathOrMessage, reasonOrOptions);
      this.path = undefined;
    }
  }
}

/**
 * The outcome of an executor's `Future` that was cancelled: its `result()` and `exception()`
 * reject with it.
 * Python: `concurrent.futures.CancelledError`.
 *
 * @example
 * ```ts
 * import { CancelledError } from '@conc/core';
 * console.log(new CancelledError('the future was cancelled').name); // 'CancelledError'
 * ```
 */
export class CancelledError extends ConcError {}

/**
 * An executor that cannot run tasks any more: a worker's initializer failed. Every pending
 * future fails with it and `submit` throws it. Python: `concurrent.futures.BrokenExecutor`
 * (`BrokenProcessPool`, `BrokenThreadPool`).
 *
 * @example
 * ```ts
 * import { BrokenExecutorError } from '@conc/core';
 * console.log(new BrokenExecutorError('the initializer failed').name); // 'BrokenExecutorError'
 * ```
 */
export class BrokenExecutorError extends ConcError {}
