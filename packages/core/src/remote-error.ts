import {
  AuthenticationError, BrokenBarrierError, BrokenExecutorError, CancelledError, ConcError, DataCloneError, EmptyError, EOFError, FullError, RemoteError,
  ShutDownError, StateError, TimeoutError, WorkerCrashedError, type SerializedError,
} from './errors.js';

const builtins: Record<string, ErrorConstructor> = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};

// Our own classes come back as themselves, so `instanceof EmptyError` holds across a crossing.
const concClasses: Record<string, new (message?: string) => Error> = {
  ConcError, TimeoutError, EmptyError, FullError, ShutDownError, BrokenBarrierError, EOFError,
  StateError, WorkerCrashedError, AuthenticationError, CancelledError, BrokenExecutorError, DataCloneError,
};

/**
 * Turns anything thrown into plain data that survives structured clone, keeping the class
 * name, message, stack, `code` and (recursively) `cause`.
 * @internal
 */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, message: error.message, stack: error.stack };
    const code = (error as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    if (error.cause !== undefined) out.cause = error.cause instanceof Error ? serializeError(error.cause) : safeClone(error.cause);
    return out;
  }
  return { name: 'Error', message: `non-error thrown: ${describe(error)}`, cause: safeClone(error) };
}

function safeClone(value: unknown): unknown {
  try {
    structuredClone(value);
    return value;
  } catch {
    return describe(value);
  }
}

function describe(value: unknown): string {
  try {
    return typeof value === 'string' ? value : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Rebuilds an error raised elsewhere: built-in classes as the same class, our own
 * `ConcError` subclasses by name, anything else as a `RemoteError`; the remote stack is
 * appended to the local one so both sides of the crossing show.
 * @internal
 */
export function deserializeError(data: SerializedError): Error {
  const cause = isSerialized(data.cause) ? deserializeError(data.cause) : data.cause;
  const Builtin = builtins[data.name];
  const Conc = concClasses[data.name];
  let error: Error;
  if (Builtin || Conc) {
    error = Conc ? new Conc(data.message) : new Builtin!(data.message, cause === undefined ? undefined : { cause });
    if (Conc && cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
    const local = error.stack ?? '';
    error.stack = data.stack ? `${data.stack}\n    --- remote stack above, local stack below ---\n${local.split('\n').slice(1).join('\n')}` : local;
  } else {
    error = new RemoteError({ ...data, cause });
  }
  if (data.code !== undefined) (error as { code?: unknown }).code = data.code;
  return error;
}

function isSerialized(value: unknown): value is SerializedError {
  return typeof value === 'object' && value !== null && typeof (value as SerializedError).name === 'string' && typeof (value as SerializedError).message === 'string';
}
