import type { WaitOptions } from '@conc/core';
import { decode, encode, parseWait, registerKind, toDescriptor, trace, traceChannel, type SharedDescriptor } from '@conc/core/internal';
import { FifoCore, type FifoCoreFields } from './fifo-core.js';

const KIND = '@conc/queue:SimpleQueue';

let parked: FifoCore | undefined;

/**
 * An unbounded first-in first-out queue without task tracking: Python's `queue.SimpleQueue`.
 * `put` never waits; `get` waits for an item. Shared between threads and processes like
 * {@link Queue}, with the same encoding of items.
 *
 * @typeParam T - The type of the items.
 * @example
 * ```ts
 * import { SimpleQueue } from '@conc/queue';
 * const q = new SimpleQueue<string>();
 * await q.put('hello');
 * q.putNowait('world');
 * console.log(q.qsize(), await q.get(), q.getNowait(), q.empty()); // 2 hello world true
 * ```
 */
export class SimpleQueue<T = unknown> {
  /** @internal */
  readonly _core: FifoCore;

  /** Creates an empty queue. */
  constructor() {
    this._core = parked ?? FifoCore.create(KIND, 0);
    parked = undefined;
  }

  /**
   * Puts `item` into the queue. It never waits (the queue is unbounded); the Promise is for
   * symmetry with `Queue.put`.
   * @param item - Any structured-cloneable value; `@conc` objects inside it cross by reference.
   * @returns A promise that resolves once the item is in the queue.
   * @throws (rejects) DataCloneError when the item cannot cross.
   */
  async put(item: T): Promise<void> {
    this.putNowait(item);
  }

  /**
   * Puts `item` into the queue at once (Python's `put_nowait`).
   * @param item - Any structured-cloneable value.
   * @throws DataCloneError when the item cannot cross.
   */
  putNowait(item: T): void {
    let size = this._core.putValueNow(item, undefined, false);
    if (size < 0) {
      // As Queue.putSync: encoded first, then put as bytes.
      const bytes = encode(item, 'item');
      this._core.putSync(bytes, undefined, Infinity, false);
      size = bytes.length;
    }
    if (traceChannel.hasSubscribers) trace('put', 'SimpleQueue', this._core.id, { size });
  }

  /**
   * Removes and returns the first item, waiting (without blocking the event loop) while the
   * queue is empty.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns A promise of the item.
   * @throws (rejects) EmptyError when still empty at the timeout; the signal's reason on abort.
   */
  async get(opts?: number | WaitOptions): Promise<T> {
    const { deadline, signal } = parseWait(opts, 'SimpleQueue.get');
    if (signal?.aborted) throw signal.reason;
    const bytes = this._core.tryGet() ?? (await this._core.get(deadline, signal));
    // Decoded before anything else runs: the bytes may sit in this thread's scratch buffer.
    const item = decode(bytes) as T;
    if (traceChannel.hasSubscribers) trace('get', 'SimpleQueue', this._core.id, { size: bytes.length });
    return item;
  }

  /**
   * Removes and returns the first item, blocking the calling thread while the queue is empty.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking? }`; waits forever by default.
   * @returns The item.
   * @throws EmptyError when still empty at the timeout.
   */
  getSync(opts?: number | WaitOptions): T {
    const { deadline, signal } = parseWait(opts, 'SimpleQueue.getSync');
    if (signal?.aborted) throw signal.reason;
    const item = this._core.getValueSync(deadline) as T;
    if (traceChannel.hasSubscribers) trace('get', 'SimpleQueue', this._core.id, { size: this._core.lastSize });
    return item;
  }

  /**
   * Removes and returns an item only if one is there right now (Python's `get_nowait`).
   * @returns The item.
   * @throws EmptyError when the queue is empty.
   */
  getNowait(): T {
    return this.getSync(0);
  }

  /** @returns How many items are in the queue right now. */
  qsize(): number {
    return this._core.settledCount();
  }

  /** @returns Whether the queue holds no item right now. */
  empty(): boolean {
    return this._core.settledCount() === 0;
  }

  /** @internal */
  [toDescriptor](): SharedDescriptor {
    return { kind: KIND, ...this._core.fields() };
  }
}

// Registered outside the class: a static block naming the class makes esbuild rename it (`_Queue`).
registerKind(KIND, {
  revive: (descriptor) => {
    parked = FifoCore.open(KIND, descriptor as unknown as FifoCoreFields);
    try {
      return new SimpleQueue();
    } finally {
      parked = undefined;
    }
  },
  syncMethods: ['putNowait', 'getSync', 'getNowait', 'qsize', 'empty'],
});
