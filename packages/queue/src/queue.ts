import { ShutDownError, type WaitOptions } from '@conc/core';
import {
  deadlineAfter,
  decode,
  encode,
  parseWait,
  registerKind,
  toDescriptor,
  trace,
  traceChannel,
  typeName,
  type SharedDescriptor,
} from '@conc/core/internal';
import { StoreKind } from './layout.js';
import { FifoCore, type FifoCoreFields } from './fifo-core.js';
import { QueueCore } from './queue-core.js';

const KIND = '@conc/queue:Queue';

/** The synchronous methods of the queue classes, for a process broker to forward. @internal */
export const QUEUE_SYNC_METHODS = ['putSync', 'putNowait', 'getSync', 'getNowait', 'qsize', 'empty', 'full', 'taskDone', 'joinSync', 'shutdown'] as const;

/**
 * What a queue runs on: the two-lock ring for first-in first-out order, the single-lock core
 * (one mutex, three conditions) for a stack or a heap, which have one end. @internal
 */
export type Engine = FifoCore | QueueCore;

// A revived queue runs its constructor over an existing core: the reviver parks it here.
let parked: Engine | undefined;

/** Runs `make` (a constructor call) over `core`. @internal */
export function adoptCore<T>(core: Engine, make: () => T): T {
  parked = core;
  try {
    return make();
  } finally {
    parked = undefined;
  }
}

/** The parked core, or a new one. @internal */
export function takeCore(tag: string, kind: StoreKind, maxsize: unknown, what: string): Engine {
  const core = parked;
  parked = undefined;
  if (core) return core;
  const max = checkMaxsize(maxsize, what);
  return kind === StoreKind.Fifo ? FifoCore.create(tag, max) : QueueCore.create(tag, kind, max);
}

const FOREVER = Object.freeze({ deadline: Infinity, signal: undefined });
/** A deadline already passed: the nowait forms. */
const NOW = Object.freeze({ deadline: -Infinity, signal: undefined });

/** Parses wait options; the common no-options call allocates nothing (the error names the class). */
function waitOf(opts: number | WaitOptions | undefined, queue: object, method: string): { deadline: number; signal: AbortSignal | undefined } {
  if (opts === undefined) return FOREVER;
  // A valid timeout needs no name: building it per call doubled the cost of putNowait/getNowait.
  if (typeof opts === 'number' && opts >= 0) return opts === 0 ? NOW : { deadline: deadlineAfter(opts), signal: undefined };
  return parseWait(opts, `${queue.constructor.name}.${method}`);
}

function checkMaxsize(maxsize: unknown, what: string): number {
  if (typeof maxsize !== 'number') throw new TypeError(`${what}: maxsize must be a number (0 or less for no limit), got ${typeName(maxsize)}`);
  if (maxsize === Infinity || maxsize <= 0) return 0;
  if (!Number.isInteger(maxsize)) throw new RangeError(`${what}: maxsize must be an integer (0 or less for no limit), got ${maxsize}`);
  // No queue can hold 2^31 items anyway: a larger limit is no limit.
  return Math.min(maxsize, 0x7fffffff);
}

/**
 * A first-in first-out queue in shared memory: Python's `queue.Queue` (and
 * `multiprocessing.JoinableQueue`), working between the main thread, `Thread`s, `Process`es
 * and pool workers. Pass it to them like any other value: every copy is the same queue.
 *
 * Items are encoded into a shared arena with the core's codec (anything structured-cloneable,
 * and `@conc` objects by reference) and decoded by the taker, so a `get` returns a copy. The arena
 * grows to fit a large item (a 50 MB item works) and never holds more than `maxsize` items.
 * As in CPython it is one lock with three conditions (`notEmpty`, `notFull`, `allTasksDone`).
 *
 * Every wait has two forms: `put`/`get`/`join` return Promises and never block the event
 * loop; `putSync`/`getSync`/`joinSync` block the calling thread (meant for workers).
 *
 * @typeParam T - The type of the items.
 * @example
 * ```ts
 * import { Queue } from '@conc/queue';
 * const q = new Queue<number>(2);
 * await q.put(1);
 * q.putNowait(2);
 * console.log(q.full(), q.qsize()); // true 2
 * console.log(await q.get(), q.getNowait()); // 1 2
 * q.taskDone();
 * q.taskDone();
 * console.log(await q.join(100)); // true
 * ```
 */
export class Queue<T = unknown> implements AsyncIterable<T> {
  /** @internal */
  readonly _core: Engine;

  /**
   * Creates a queue holding at most `maxsize` items (`0` or less: no limit).
   * @param maxsize - The most items the queue holds; `put` waits while it is full.
   * @throws TypeError when `maxsize` is not a number; RangeError when it is not an integer.
   */
  constructor(maxsize = 0) {
    const { kind, store } = this._kind();
    this._core = takeCore(kind, store, maxsize, new.target.name);
  }

  /** @internal The transfer kind (also the tag of the control block) and the item order. */
  protected _kind(): { kind: string; store: StoreKind } {
    return { kind: KIND, store: StoreKind.Fifo };
  }

  /** @internal The bytes that order an item (only a priority queue has them). */
  protected _key(_item: T): Uint8Array | undefined {
    return undefined;
  }

  /** The most items the queue holds (`0`: no limit), as given to the constructor. */
  get maxsize(): number {
    return this._core.maxsize;
  }

  /**
   * Puts `item` into the queue, waiting (without blocking the event loop) while it is full.
   * @param item - Any structured-cloneable value; `@conc` objects inside it cross by reference.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns A promise that resolves once the item is in the queue.
   * @throws (rejects) FullError when still full at the timeout; ShutDownError after `shutdown()`;
   *   DataCloneError when the item cannot cross; the signal's reason on abort (nothing is put).
   */
  async put(item: T, opts?: number | WaitOptions): Promise<void> {
    const { deadline, signal } = waitOf(opts, this, 'put');
    if (signal?.aborted) throw signal.reason;
    const key = this._key(item);
    const bytes = encode(item, 'item');
    if (!this._core.tryPut(bytes, key)) {
      // The encoding sits in per-thread scratch memory that another call may reuse meanwhile.
      await this._core.put(bytes.slice(), key?.slice(), deadline, signal);
    }
    if (traceChannel.hasSubscribers) trace('put', this.constructor.name, this._core.id, { size: bytes.length });
  }

  /**
   * Puts `item` into the queue, blocking the calling thread while it is full.
   * @param item - Any structured-cloneable value.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking? }`; waits forever by default.
   * @throws FullError when still full at the timeout; ShutDownError after `shutdown()`;
   *   DataCloneError when the item cannot cross.
   */
  putSync(item: T, opts?: number | WaitOptions): void {
    const { deadline, signal } = waitOf(opts, this, 'putSync');
    if (signal?.aborted) throw signal.reason;
    const key = this._key(item);
    let size = this._core.putValueNow(item, key, true, deadline);
    if (size < 0) {
      // Full, shut down, or not a tagged value: encoded first (an item that cannot cross throws
      // before any wait, as it always did), then put as bytes.
      const bytes = encode(item, 'item');
      this._core.putSync(bytes, key, deadline);
      size = bytes.length;
    }
    if (traceChannel.hasSubscribers) trace('put', this.constructor.name, this._core.id, { size });
  }

  /**
   * Puts `item` only if there is room right now (Python's `put_nowait`).
   * @param item - Any structured-cloneable value.
   * @throws FullError when the queue is full; ShutDownError after `shutdown()`.
   */
  putNowait(item: T): void {
    this.putSync(item, 0);
  }

  /**
   * Removes and returns the next item, waiting (without blocking the event loop) while the
   * queue is empty.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns A promise of the item.
   * @throws (rejects) EmptyError when still empty at the timeout; ShutDownError once shut down
   *   and drained; the signal's reason on abort (nothing is taken).
   */
  async get(opts?: number | WaitOptions): Promise<T> {
    const { deadline, signal } = waitOf(opts, this, 'get');
    if (signal?.aborted) throw signal.reason;
    const bytes = this._core.tryGet() ?? (await this._core.get(deadline, signal));
    // Decoded before anything else runs: the bytes may sit in this thread's scratch buffer.
    const item = decode(bytes) as T;
    if (traceChannel.hasSubscribers) trace('get', this.constructor.name, this._core.id, { size: bytes.length });
    return item;
  }

  /**
   * Removes and returns the next item, blocking the calling thread while the queue is empty.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking? }`; waits forever by default.
   * @returns The item.
   * @throws EmptyError when still empty at the timeout; ShutDownError once shut down and drained.
   */
  getSync(opts?: number | WaitOptions): T {
    const { deadline, signal } = waitOf(opts, this, 'getSync');
    if (signal?.aborted) throw signal.reason;
    const item = this._core.getValueSync(deadline) as T;
    if (traceChannel.hasSubscribers) trace('get', this.constructor.name, this._core.id, { size: this._core.lastSize });
    return item;
  }

  /**
   * Removes and returns an item only if one is there right now (Python's `get_nowait`).
   * @returns The item.
   * @throws EmptyError when the queue is empty; ShutDownError once shut down and drained.
   */
  getNowait(): T {
    return this.getSync(0);
  }

  /** @returns How many items are in the queue right now (may change at once). */
  qsize(): number {
    return this._core.settledCount();
  }

  /** @returns Whether the queue holds no item right now. */
  empty(): boolean {
    return this._core.settledCount() === 0;
  }

  /** @returns Whether the queue holds `maxsize` items right now (never for an unbounded queue). */
  full(): boolean {
    const max = this._core.maxsize;
    return max > 0 && this._core.settledCount() >= max;
  }

  /**
   * Tells the queue that one item taken with `get` has been processed (Python's `task_done`),
   * so that `join` can return once every item put has been.
   * @throws StateError when called more times than items were put.
   */
  taskDone(): void {
    this._core.taskDone();
  }

  /**
   * Waits until every item put has been taken and marked done with `taskDone()`.
   * @param opts - A timeout in milliseconds, or `{ timeout?, signal? }`; waits forever by default.
   * @returns A promise of `true` when all tasks are done, `false` when the timeout passed first.
   * @throws (rejects) the signal's reason on abort.
   */
  async join(opts?: number | WaitOptions): Promise<boolean> {
    const { deadline, signal } = waitOf(opts, this, 'join');
    if (signal?.aborted) throw signal.reason;
    return this._core.join(deadline, signal);
  }

  /**
   * The blocking form of {@link Queue.join}.
   * @param opts - A timeout in milliseconds, or `{ timeout? }`; waits forever by default.
   * @returns `true` when all tasks are done, `false` when the timeout passed first.
   */
  joinSync(opts?: number | WaitOptions): boolean {
    const { deadline, signal } = waitOf(opts, this, 'joinSync');
    if (signal?.aborted) throw signal.reason;
    return this._core.joinSync(deadline);
  }

  /**
   * Shuts the queue down (Python 3.13): `put` then throws `ShutDownError`, `get` drains what is
   * left and then throws it; waiting producers and consumers wake up. With `immediate`, what is
   * left is dropped (and counted as done for `join`), so `get` throws at once.
   * @param immediate - Drop the items still in the queue.
   * @throws TypeError when `immediate` is not a boolean.
   */
  shutdown(immediate = false): void {
    if (typeof immediate !== 'boolean') throw new TypeError(`${this.constructor.name}.shutdown: immediate must be a boolean, got ${typeName(immediate)}`);
    this._core.shutdown(immediate);
    if (traceChannel.hasSubscribers) trace('shutdown', this.constructor.name, this._core.id, { immediate });
  }

  /**
   * Yields items as `get()` returns them, until the queue is shut down and drained. Does not
   * call `taskDone()`.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      let item: T;
      try {
        item = await this.get();
      } catch (error) {
        if (error instanceof ShutDownError) return;
        throw error;
      }
      yield item;
    }
  }

  /** @internal */
  [toDescriptor](): SharedDescriptor {
    return { kind: this._kind().kind, ...this._core.fields() };
  }
}

// Registered outside the class: a static block naming the class makes esbuild rename it (`_Queue`).
registerKind(KIND, {
  revive: (descriptor) => adoptCore(FifoCore.open(KIND, descriptor as unknown as FifoCoreFields), () => new Queue()),
  syncMethods: QUEUE_SYNC_METHODS,
});
