import type { WaitOptions } from '@conc/core';
import {
  HEADER_WORDS,
  parseWait,
  registerKind,
  toDescriptor,
  trace,
  traceChannel,
  waitAsync,
  waitSync,
  wake,
  type SharedBlock,
  type SharedDescriptor,
} from '@conc/core/internal';
import { blockFields, reviveOver, takeBlock } from './revival.js';

const KIND = '@conc/sync:Event';
/**
 * Bit 0 is the flag; the bits above count the sets. A waiter that wakes after a `set()`
 * quickly followed by `clear()` still sees that a set happened (the count moved) and returns
 * true, as Python's does.
 */
const STATE = HEADER_WORDS;
/** Threads sleeping on STATE (may only over-count: see Semaphore). */
const WAITERS = HEADER_WORDS + 1;

/**
 * A flag threads can wait for, in shared memory: Python's `threading.Event`. `set()` wakes
 * every thread waiting; `clear()` makes later waits wait again.
 *
 * @example
 * ```ts
 * import { Event } from '@conc/sync';
 * const ready = new Event();
 * setTimeout(() => ready.set(), 10);
 * console.log(await ready.wait(1000)); // true
 * console.log(ready.isSet()); // true
 * ready.clear();
 * console.log(ready.waitSync(0)); // false
 * ```
 */
export class Event {
  /** @internal */
  readonly _block: SharedBlock;
  /** @internal */
  readonly _i32: Int32Array;

  /** Creates an event whose flag is clear. */
  constructor() {
    this._block = takeBlock(KIND, (HEADER_WORDS + 2) * 4).block;
    this._i32 = this._block.i32;
  }

  /** @returns Whether the flag is set. */
  isSet(): boolean {
    return (Atomics.load(this._i32, STATE) & 1) === 1;
  }

  /** Sets the flag and wakes every thread waiting for it. */
  set(): void {
    for (;;) {
      const state = Atomics.load(this._i32, STATE);
      if (state & 1) return;
      // Bump the set count (wrapping inside 31 bits) and raise the flag in one write.
      if (Atomics.compareExchange(this._i32, STATE, state, ((state + 2) & 0x7ffffffe) | 1) === state) break;
    }
    wake(this._i32, STATE, Infinity, WAITERS);
    if (traceChannel.hasSubscribers) trace('set', 'Event', this._i32[1]!);
  }

  /** Clears the flag: later waits wait until the next `set()`. */
  clear(): void {
    Atomics.and(this._i32, STATE, ~1);
    if (traceChannel.hasSubscribers) trace('clear', 'Event', this._i32[1]!);
  }

  /**
   * Waits until the flag is set, without blocking the event loop.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns A promise of `true` when the flag was set, `false` when the timeout passed first.
   * @throws (rejects) TypeError/RangeError for bad options; the signal's reason on abort.
   */
  async wait(opts?: number | WaitOptions): Promise<boolean> {
    const { deadline, signal } = parseWait(opts, 'Event.wait');
    if (signal?.aborted) throw signal.reason;
    const seen = Atomics.load(this._i32, STATE);
    if (seen & 1) return true;
    if (traceChannel.hasSubscribers) trace('wait', 'Event', this._i32[1]!);
    for (;;) {
      const result = await waitAsync(this._i32, STATE, seen, deadline, signal, WAITERS);
      if (Atomics.load(this._i32, STATE) !== seen) return true;
      if (result === 'timed-out') return false;
    }
  }

  /**
   * Waits until the flag is set, blocking the calling thread.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns `true` when the flag was set, `false` when the timeout passed first.
   * @throws TypeError/RangeError for bad options; the signal's reason when it is already aborted.
   */
  waitSync(opts?: number | WaitOptions): boolean {
    const { deadline, signal } = parseWait(opts, 'Event.waitSync');
    if (signal?.aborted) throw signal.reason;
    const seen = Atomics.load(this._i32, STATE);
    if (seen & 1) return true;
    // No spinning before sleeping: measured on a loaded 2-core machine, a 2,000-load spin made
    // the ping-pong round trip 4x slower (the spinner takes the CPU its partner needs).
    if (traceChannel.hasSubscribers) trace('wait', 'Event', this._i32[1]!);
    for (;;) {
      const result = waitSync(this._i32, STATE, seen, deadline, WAITERS);
      if (Atomics.load(this._i32, STATE) !== seen) return true;
      if (result === 'timed-out') return false;
    }
  }

  /** @internal */
  [toDescriptor](): SharedDescriptor {
    return { kind: KIND, ...blockFields(this._block) };
  }
}

registerKind(KIND, {
  revive: (descriptor) => reviveOver(KIND, descriptor, () => new Event()),
  syncMethods: ['isSet', 'set', 'clear', 'waitSync'],
});
