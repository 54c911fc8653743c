import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BrokenBarrierError, type Target, type WaitOptions } from '@conc/core';
import {
  HEADER_WORDS,
  checkTimeout,
  compileSource,
  describeTarget,
  loadTarget,
  parseWait,
  registerKind,
  toDescriptor,
  trace,
  traceChannel,
  typeName,
  waitAsync,
  waitSync,
  type SharedBlock,
  type SharedDescriptor,
  type TargetDescriptor,
} from '@conc/core/internal';
import { lockAsync, lockSync, unlock } from './mutex.js';
import { blockFields, reviveOver, takeBlock } from './revival.js';

const KIND = '@conc/sync:Barrier';
/** Guards COUNT, GEN, BROKEN and HISTORY; held while the action runs, as CPython holds its lock. */
const MUTEX = HEADER_WORDS;
/** Threads arrived in the current round. */
const COUNT = HEADER_WORDS + 1;
/** The round number; waiters sleep on it until the round ends. */
const GEN = HEADER_WORDS + 2;
/** 1 while broken (after an abort, a timeout or a failed action) until reset(). */
const BROKEN = HEADER_WORDS + 3;
/** Bit (round & 31) tells how that round ended: 0 passed, 1 broken or reset. */
const HISTORY = HEADER_WORDS + 4;
const PARTIES = HEADER_WORDS + 5;
const WORDS = HEADER_WORDS + 6;

const requireHere = createRequire(import.meta.url);

/** Options of a {@link Barrier}. */
export interface BarrierOptions {
  /**
   * Runs once per round, in the last thread to arrive, before any waiter is released. A
   * function is shipped to other threads as its source, so it must be self-contained (in the
   * thread that created the barrier the function itself runs). A module action is imported
   * on first use.
   */
  action?: Target;
  /** The default timeout of `wait` in milliseconds; forever by default. */
  timeout?: number;
}

/**
 * A meeting point for a fixed number of threads, in shared memory: Python's
 * `threading.Barrier`. Each of `parties` threads calls `wait()`; all are released together
 * when the last arrives, each with its arrival index (`0..parties-1`).
 *
 * A timeout, an `abort()` or a failing action breaks the barrier: every thread waiting and
 * every later `wait()` fails with `BrokenBarrierError` until `reset()`. An aborted `signal`
 * also breaks it (the others would otherwise wait for a party that left). The barrier
 * is reusable: it starts the next round by itself.
 *
 * @example
 * ```ts
 * import { Barrier } from '@conc/sync';
 * const start = new Barrier(2);
 * const [a, b] = await Promise.all([start.wait(), start.wait()]);
 * console.log([a, b].sort()); // [0, 1]
 * ```
 */
export class Barrier {
  /** @internal */
  readonly _block: SharedBlock;
  /** @internal */
  readonly _i32: Int32Array;
  private readonly _timeout: number;
  private readonly _action: TargetDescriptor | undefined;
  private readonly _localAction: ((...args: unknown[]) => unknown) | undefined;

  /**
   * Creates a barrier for `parties` threads.
   * @param parties - How many threads meet each round: an integer >= 1.
   * @param options - `{ action?, timeout? }`.
   * @throws RangeError/TypeError for a bad `parties`, `action` or `timeout`.
   */
  constructor(parties: number, options: BarrierOptions = {}) {
    const { block, fresh } = takeBlock(KIND, WORDS * 4);
    this._block = block;
    this._i32 = block.i32;
    const revived = options as BarrierOptions & { _descriptor?: TargetDescriptor };
    if (fresh) {
      if (typeof parties !== 'number') throw new TypeError(`Barrier: parties must be an integer >= 1, got ${typeName(parties)}`);
      if (!Number.isInteger(parties) || parties < 1 || parties > 0x7fffffff) throw new RangeError(`Barrier: parties must be an integer >= 1, got ${parties}`);
      if (typeof options !== 'object' || options === null) throw new TypeError(`Barrier: options must be { action?, timeout? }, got ${typeName(options)}`);
      this._i32[PARTIES] = parties;
    }
    this._timeout = checkTimeout(options.timeout, 'Barrier');
    this._action = revived._descriptor ?? (options.action === undefined ? undefined : describeTarget(options.action, 'Barrier action'));
    this._localAction = !revived._descriptor && typeof options.action === 'function' ? options.action : undefined;
  }

  /** How many threads must call `wait` each round. */
  get parties(): number {
    return this._i32[PARTIES]!;
  }

  /** How many threads are waiting in the current round. */
  get nWaiting(): number {
    return Atomics.load(this._i32, COUNT);
  }

  /** Whether the barrier is broken (until `reset()`). */
  get broken(): boolean {
    return Atomics.load(this._i32, BROKEN) === 1;
  }

  /**
   * Waits until `parties` threads have called `wait`, without blocking the event loop.
   * @param opts - A timeout in milliseconds (default: the barrier's), or `{ timeout?, signal? }`.
   * @returns A promise of this thread's arrival index, `0..parties-1`.
   * @throws (rejects) BrokenBarrierError when the barrier is or becomes broken, including by
   *   this call's timeout; what the action threw, in the thread that ran it; the signal's
   *   reason on abort (which breaks the barrier).
   */
  async wait(opts?: number | WaitOptions): Promise<number> {
    const { deadline, signal } = parseWait(this._withDefault(opts), 'Barrier.wait');
    if (signal?.aborted) throw signal.reason;
    await lockAsync(this._i32, MUTEX, Infinity, undefined);
    const { round, index } = this._arrive();
    if (index === this.parties - 1) {
      try {
        if (this._action) await (this._localAction ?? (await loadTarget(this._action)))();
      } catch (error) {
        this._breakLocked(round);
        throw error;
      }
      return this._passLocked(round, index);
    }
    unlock(this._i32, MUTEX);
    let result: string;
    try {
      do result = await waitAsync(this._i32, GEN, round, deadline, signal);
      while (result !== 'timed-out' && Atomics.load(this._i32, GEN) === round);
    } catch (error) {
      // Aborted: the others would wait forever for a party that left, so the round breaks.
      await lockAsync(this._i32, MUTEX, Infinity, undefined);
      if (Atomics.load(this._i32, GEN) === round) this._breakLocked(round);
      else unlock(this._i32, MUTEX);
      throw error;
    }
    if (result === 'timed-out') await lockAsync(this._i32, MUTEX, Infinity, undefined);
    return this._outcome(round, index, result === 'timed-out');
  }

  /**
   * The blocking form of {@link Barrier.wait}. A function action returning a promise is not
   * awaited here; a module action is loaded with `require()`.
   * @param opts - A timeout in milliseconds (default: the barrier's), or `{ timeout?, signal? }`.
   * @returns This thread's arrival index, `0..parties-1`.
   * @throws BrokenBarrierError when the barrier is or becomes broken; what the action threw.
   */
  waitSync(opts?: number | WaitOptions): number {
    const { deadline, signal } = parseWait(this._withDefault(opts), 'Barrier.waitSync');
    if (signal?.aborted) throw signal.reason;
    lockSync(this._i32, MUTEX, Infinity);
    const { round, index } = this._arrive();
    if (index === this.parties - 1) {
      try {
        if (this._action) (this._localAction ?? loadActionSync(this._action))();
      } catch (error) {
        this._breakLocked(round);
        throw error;
      }
      return this._passLocked(round, index);
    }
    unlock(this._i32, MUTEX);
    let result: string;
    do result = waitSync(this._i32, GEN, round, deadline);
    while (result !== 'timed-out' && Atomics.load(this._i32, GEN) === round);
    if (result === 'timed-out') lockSync(this._i32, MUTEX, Infinity);
    return this._outcome(round, index, result === 'timed-out');
  }

  /**
   * Returns the barrier to its initial state: threads waiting in the current round get
   * `BrokenBarrierError`; a broken barrier is usable again.
   */
  reset(): void {
    lockSync(this._i32, MUTEX, Infinity);
    if (Atomics.load(this._i32, COUNT) > 0) this._endRound(Atomics.load(this._i32, GEN), true);
    Atomics.store(this._i32, BROKEN, 0);
    unlock(this._i32, MUTEX);
    if (traceChannel.hasSubscribers) trace('reset', 'Barrier', this._i32[1]!);
  }

  /** Breaks the barrier: every waiting thread and every later `wait()` gets `BrokenBarrierError` until `reset()`. */
  abort(): void {
    lockSync(this._i32, MUTEX, Infinity);
    this._breakLocked(Atomics.load(this._i32, GEN));
    if (traceChannel.hasSubscribers) trace('abort', 'Barrier', this._i32[1]!);
  }

  private _withDefault(opts: number | WaitOptions | undefined): number | WaitOptions | undefined {
    if (this._timeout === Infinity) return opts;
    if (opts === undefined) return this._timeout;
    if (typeof opts === 'object' && opts !== null && opts.timeout === undefined && opts.blocking !== false) return { ...opts, timeout: this._timeout };
    return opts;
  }

  /** Holding MUTEX: joins the current round (or unlocks and throws when broken). */
  private _arrive(): { round: number; index: number } {
    if (Atomics.load(this._i32, BROKEN) === 1) {
      unlock(this._i32, MUTEX);
      throw new BrokenBarrierError('Barrier.wait: the barrier is broken');
    }
    const index = Atomics.add(this._i32, COUNT, 1);
    if (traceChannel.hasSubscribers) trace('wait', 'Barrier', this._i32[1]!, { index });
    return { round: Atomics.load(this._i32, GEN), index };
  }

  /** Holding MUTEX only when `timedOut`: how this waiter's round ended. */
  private _outcome(round: number, index: number, timedOut: boolean): number {
    if (timedOut) {
      if (Atomics.load(this._i32, GEN) === round) {
        this._breakLocked(round);
        throw new BrokenBarrierError('Barrier.wait: timed out, the barrier is now broken');
      }
      unlock(this._i32, MUTEX);
    }
    if ((Atomics.load(this._i32, HISTORY) >>> (round & 31)) & 1) throw new BrokenBarrierError('Barrier.wait: the barrier was broken or reset while waiting');
    return index;
  }

  private _passLocked(round: number, index: number): number {
    this._endRound(round, false);
    unlock(this._i32, MUTEX);
    if (traceChannel.hasSubscribers) trace('wake', 'Barrier', this._i32[1]!, { round });
    return index;
  }

  private _breakLocked(round: number): void {
    Atomics.store(this._i32, BROKEN, 1);
    if (Atomics.load(this._i32, GEN) === round) this._endRound(round, true);
    unlock(this._i32, MUTEX);
  }

  private _endRound(round: number, broken: boolean): void {
    const bit = 1 << (round & 31);
    if (broken) Atomics.or(this._i32, HISTORY, bit);
    else Atomics.and(this._i32, HISTORY, ~bit);
    Atomics.store(this._i32, COUNT, 0);
    Atomics.store(this._i32, GEN, (round + 1) | 0);
    Atomics.notify(this._i32, GEN);
  }

  /** @internal */
  [toDescriptor](): SharedDescriptor {
    return { kind: KIND, ...blockFields(this._block), timeout: this._timeout, action: this._action };
  }
}

registerKind(KIND, {
  revive: (descriptor) =>
    reviveOver(KIND, descriptor, () => new Barrier(0, { timeout: descriptor['timeout'] as number, _descriptor: descriptor['action'] } as BarrierOptions)),
  syncMethods: ['waitSync', 'reset', 'abort'],
});

function loadActionSync(action: TargetDescriptor): (...args: unknown[]) => unknown {
  if (action.type === 'source') return compileSource(action.source);
  const namespace = requireHere(action.module.startsWith('file:') ? fileURLToPath(action.module) : action.module) as Record<string, unknown>;
  const fn = namespace[action.export];
  if (typeof fn !== 'function') throw new TypeError(`Barrier action: module ${action.module} has no function export '${action.export}' (found ${typeName(fn)})`);
  return fn as (...args: unknown[]) => unknown;
}
