import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BrokenBarrierError, type Target, type WaitOptions } from '@conc/core';
import {
  HEADER_WORDS,
  SLICE_MS,
  checkTimeout,
  compileSource,
  describeTarget,
  isGone,
  loadTarget,
  lockAsync,
  lockSync,
  parseWait,
  registerKind,
  remaining,
  threadIdentity,
  toDescriptor,
  trace,
  traceChannel,
  typeName,
  unlock,
  waitAsync,
  waitSync,
  type SharedBlock,
  type SharedDescriptor,
  type TargetDescriptor,
} from '@conc/core/internal';
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
/** Then the identities of the threads arrived in the current round, by arrival index. */
const WORDS = HEADER_WORDS + 6;
/**
 * How long a wait that timed out may still wait for MUTEX to break the round: it is held for
 * microseconds, or while the last party runs the action (then the round is passing anyway).
 */
const RELOCK_SLACK_MS = 20;
/** Parties whose death is noticed while they wait (the first ones of a larger barrier). */
const MAX_TRACKED = 1024;

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
 * also breaks it (the others would otherwise wait for a party that left), and so does a party
 * that dies while waiting (a thread or pool worker that exits, a `Process` child that ends):
 * the others get `BrokenBarrierError` within a second of its parent seeing the exit. The
 * barrier is reusable: it starts the next round by itself.
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
  /** How many arrivals' identities the block keeps. */
  private readonly _tracked: number;

  /**
   * Creates a barrier for `parties` threads.
   * @param parties - How many threads meet each round: an integer >= 1.
   * @param options - `{ action?, timeout? }`.
   * @throws RangeError/TypeError for a bad `parties`, `action` or `timeout`.
   */
  constructor(parties: number, options: BarrierOptions = {}) {
    const wanted = typeof parties === 'number' && Number.isInteger(parties) && parties > 0 ? Math.min(parties, MAX_TRACKED) : 0;
    const { block, fresh } = takeBlock(KIND, (WORDS + wanted) * 4);
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
    this._tracked = Math.min(this._i32[PARTIES]!, MAX_TRACKED, this._i32.length - WORDS);
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
    if (!(await lockAsync(this._i32, MUTEX, deadline, signal, undefined, this._takeover))) throw this._lateArrival();
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
    let timedOut = false;
    try {
      // In slices: between them, a party that died waiting breaks the round.
      while (Atomics.load(this._i32, GEN) === round) {
        if (remaining(deadline) === 0) {
          timedOut = true;
          break;
        }
        if (this._partyGone()) {
          await lockAsync(this._i32, MUTEX, Infinity, undefined, undefined, this._takeover);
          this._breakIfCurrent(round);
          break;
        }
        await waitAsync(this._i32, GEN, round, Math.min(deadline, performance.now() + SLICE_MS), signal);
      }
    } catch (error) {
      // Aborted: the others would wait forever for a party that left, so the round breaks.
      await lockAsync(this._i32, MUTEX, Infinity, undefined, undefined, this._takeover);
      this._breakIfCurrent(round);
      throw error;
    }
    if (timedOut && !(await lockAsync(this._i32, MUTEX, performance.now() + RELOCK_SLACK_MS, undefined, undefined, this._takeover))) throw this._lateTimeout();
    return this._outcome(round, index, timedOut);
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
    if (!lockSync(this._i32, MUTEX, deadline, undefined, this._takeover)) throw this._lateArrival();
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
    let timedOut = false;
    while (Atomics.load(this._i32, GEN) === round) {
      if (remaining(deadline) === 0) {
        timedOut = true;
        break;
      }
      if (this._partyGone()) {
        lockSync(this._i32, MUTEX, Infinity, undefined, this._takeover);
        this._breakIfCurrent(round);
        break;
      }
      waitSync(this._i32, GEN, round, Math.min(deadline, performance.now() + SLICE_MS));
    }
    if (timedOut && !lockSync(this._i32, MUTEX, performance.now() + RELOCK_SLACK_MS, undefined, this._takeover)) throw this._lateTimeout();
    return this._outcome(round, index, timedOut);
  }

  /**
   * Returns the barrier to its initial state: threads waiting in the current round get
   * `BrokenBarrierError`; a broken barrier is usable again.
   */
  reset(): void {
    lockSync(this._i32, MUTEX, Infinity, undefined, this._takeover);
    if (Atomics.load(this._i32, COUNT) > 0) this._endRound(Atomics.load(this._i32, GEN), true);
    Atomics.store(this._i32, BROKEN, 0);
    unlock(this._i32, MUTEX);
    if (traceChannel.hasSubscribers) trace('reset', 'Barrier', this._i32[1]!);
  }

  /** Breaks the barrier: every waiting thread and every later `wait()` gets `BrokenBarrierError` until `reset()`. */
  abort(): void {
    lockSync(this._i32, MUTEX, Infinity, undefined, this._takeover);
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
    const index = Atomics.load(this._i32, COUNT);
    // Who arrived, written before the arrival counts: the others watch these threads' lives.
    if (index < this._tracked) Atomics.store(this._i32, WORDS + index, threadIdentity());
    Atomics.store(this._i32, COUNT, index + 1);
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

  /** Whether a thread that arrived in the current round is gone (it died waiting, or in the action). */
  private _partyGone(): boolean {
    const arrived = Math.min(Atomics.load(this._i32, COUNT), this._tracked);
    for (let i = 0; i < arrived; i++) if (isGone(Atomics.load(this._i32, WORDS + i))) return true;
    return false;
  }

  /** Holding MUTEX: breaks `round` if it is still the current one; releases MUTEX. */
  private _breakIfCurrent(round: number): void {
    if (Atomics.load(this._i32, GEN) === round) this._breakLocked(round);
    else unlock(this._i32, MUTEX);
  }

  /** The error of a wait that timed out and could not take MUTEX to break its round (the last party's action holds it). */
  private _lateTimeout(): BrokenBarrierError {
    return new BrokenBarrierError('Barrier.wait: timed out (the round was completing: the barrier is not broken)');
  }

  /** The error of a wait that timed out before it could take MUTEX (held by the last party's action). */
  private _lateArrival(): BrokenBarrierError {
    return new BrokenBarrierError('Barrier.wait: timed out before it could join the round');
  }

  /**
   * Runs holding MUTEX, taken over from a thread that died holding it (arriving, or running the
   * action): the round cannot end as it should, so the barrier breaks.
   */
  private readonly _takeover = (holder: number): void => {
    trace('abandoned', 'Barrier', this._i32[1]!, { holder, reason: 'holder exited' });
    Atomics.store(this._i32, BROKEN, 1);
    this._endRound(Atomics.load(this._i32, GEN), true);
  };

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
