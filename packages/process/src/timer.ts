import { typeName, type Target } from '@conc/core/internal';
import { Thread, delaySymbol } from './thread.js';

/**
 * Python's `threading.Timer`: a thread that runs `target(...args)` after `interval`
 * milliseconds, unless {@link Timer.cancel} is called first.
 *
 * The wait happens in the timer's own worker, so it is on time even while the parent is busy
 * or blocked. `cancel()` after the target has begun does nothing (as in Python).
 *
 * @example
 * ```ts
 * import { Timer } from '@conc/process';
 * const hello = () => {
 *   console.log('hello, world'); // hello, world
 * };
 * const t = new Timer(50, hello);
 * t.start(); // after 50 ms, "hello, world" is printed
 * await t.join();
 * t.cancel(); // too late: it ran
 * console.log(t.isAlive()); // false
 * ```
 */
export class Timer extends Thread {
  readonly #cancel = new Int32Array(new SharedArrayBuffer(4));

  /**
   * @param interval - Milliseconds to wait before running the target (`>= 0`).
   * @param target - A self-contained function or `{ module, export? }`.
   * @param args - Arguments for the target (an array).
   * @throws RangeError for a negative or NaN interval; TypeError for a non-number interval, a
   *   bad target or non-array args.
   */
  constructor(interval: number, target: Target, args: readonly unknown[] = []) {
    if (typeof interval !== 'number') throw new TypeError(`Timer: interval must be a number of milliseconds, got ${typeName(interval)}`);
    if (Number.isNaN(interval) || interval < 0) throw new RangeError(`Timer: interval must be a non-negative number of milliseconds, got ${interval}`);
    if (target === undefined) throw new TypeError('Timer: a target is required (a function or { module, export? })');
    super({ target, args });
    this[delaySymbol](interval, this.#cancel);
  }

  /**
   * Stops the timer if its target has not begun yet; harmless at any other time.
   */
  cancel(): void {
    Atomics.store(this.#cancel, 0, 1);
    Atomics.notify(this.#cancel, 0);
  }
}
