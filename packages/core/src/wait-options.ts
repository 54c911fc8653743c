import { deadlineAfter } from './deadline.js';

/**
 * How long and how a call may wait. A bare number passed where `WaitOptions` are accepted
 * is the `timeout`.
 *
 * - `timeout`: milliseconds; `undefined` or `Infinity` waits forever, `0` polls once.
 * - `blocking: false`: the same as `timeout: 0` (Python's `blocking=False`); combining it
 *   with a finite `timeout` is a `RangeError`, as in Python.
 * - `signal`: aborting it makes the call reject/throw `signal.reason`, and nothing is
 *   consumed (no lock held, no item taken, no permit used).
 *
 * @example
 * ```ts
 * import type { WaitOptions } from '@conc/core';
 * const opts: WaitOptions = { timeout: 250, signal: AbortSignal.timeout(1000) };
 * console.log(opts.timeout); // 250
 * ```
 */
export interface WaitOptions {
  /** Milliseconds to wait at most; `undefined` or `Infinity` waits forever, `0` polls once. */
  timeout?: number;
  /** `false` polls once (the same as `timeout: 0`), as Python's `blocking=False`. */
  blocking?: boolean;
  /** Aborting it ends the wait with `signal.reason`, consuming nothing. */
  signal?: AbortSignal;
}

/** Wait options checked and turned into an absolute deadline. @internal */
export interface ParsedWait {
  /** `performance.now()` time after which the wait gives up; `Infinity` for never. */
  deadline: number;
  signal: AbortSignal | undefined;
}

const FOREVER: ParsedWait = Object.freeze({ deadline: Infinity, signal: undefined });

/**
 * Checks `number | WaitOptions` and computes the deadline. Throws `TypeError`/`RangeError`
 * naming `what` (the method, e.g. `'Lock.acquire'`) and what is accepted.
 * @internal
 */
export function parseWait(opts: number | WaitOptions | undefined, what: string): ParsedWait {
  if (opts === undefined) return FOREVER;
  if (typeof opts === 'number') return { deadline: deadlineAfter(checkTimeout(opts, what)), signal: undefined };
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError(`${what}: options must be a timeout in milliseconds or { timeout?, blocking?, signal? }, got ${typeName(opts)}`);
  }
  const { timeout, blocking, signal } = opts;
  if (blocking !== undefined && typeof blocking !== 'boolean') {
    throw new TypeError(`${what}: blocking must be a boolean, got ${typeName(blocking)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${what}: signal must be an AbortSignal, got ${typeName(signal)}`);
  }
  let ms = timeout === undefined ? Infinity : checkTimeout(timeout, what);
  if (blocking === false) {
    if (timeout !== undefined && ms !== Infinity) {
      throw new RangeError(`${what}: can't specify a timeout for a non-blocking call (blocking: false with timeout ${ms})`);
    }
    ms = 0;
  }
  return { deadline: deadlineAfter(ms), signal };
}

/**
 * Checks a timeout in milliseconds: `undefined`/`Infinity` means forever; negative or NaN is a
 * `RangeError`, a non-number a `TypeError`. Returns the timeout (`Infinity` for forever).
 * @internal
 */
export function checkTimeout(timeout: unknown, what: string): number {
  if (timeout === undefined || timeout === null) return Infinity;
  if (typeof timeout !== 'number') {
    throw new TypeError(`${what}: timeout must be a number of milliseconds (or undefined/Infinity to wait forever), got ${typeName(timeout)}`);
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(`${what}: timeout must be a non-negative number of milliseconds, got ${timeout}`);
  }
  return timeout;
}

/** A short description of a value's type for error messages. @internal */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const ctor = (value as object).constructor;
    return ctor && ctor !== Object ? `an instance of ${ctor.name || 'an anonymous class'}` : 'an object';
  }
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}
