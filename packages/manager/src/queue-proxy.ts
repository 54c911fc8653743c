import { EmptyError, ShutDownError, type WaitOptions } from '@conc/core';
import { BaseProxy, proxyClass } from './proxy.js';

/**
 * A proxy of a queue held by the manager (`queue.Queue`, with `taskDone`/`join` and
 * `shutdown`). It works between any mix of threads, processes and machines.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const q = await manager.queue<string>();
 * await q.put('job');
 * console.log(await q.get(), await q.qsize()); // 'job' 0
 * ```
 */
export class QueueProxy<T = unknown> extends BaseProxy {
  /**
   * Puts `item` at the end, waiting for room; `FullError` after the timeout, `ShutDownError` once shut down.
   * @param item - Any value that can cross (v8 serialization); it is stored as a copy, except a
   *   proxy, which stays a reference to the same server object.
   * @param opts - How long to wait for room: a timeout in milliseconds, or `{ timeout?, blocking?, signal? }`
   *   (`0` or `blocking: false`: do not wait); waits forever by default. An unbounded queue never waits.
   * @returns A promise that resolves once the item is in the queue.
   * @throws (rejects) FullError when there was no room in time; ShutDownError once the queue is
   *   shut down; DataCloneError for an item that cannot cross; TypeError/RangeError for bad
   *   options; the signal's reason on abort (then nothing is put).
   */
  async put(item: T, opts?: number | WaitOptions): Promise<void> {
    await this._wait('put', [item], opts);
  }
  /**
   * Puts without waiting: `FullError` when full (`put(item, 0)`).
   * @param item - Any value that can cross; a proxy stays a reference.
   * @returns A promise that resolves once the item is in the queue.
   * @throws (rejects) FullError when the queue is full; ShutDownError once it is shut down;
   *   DataCloneError for an item that cannot cross.
   */
  putNowait(item: T): Promise<void> {
    return this.put(item, 0);
  }
  /**
   * Takes the first item, waiting for one; `EmptyError` after the timeout.
   * @param opts - How long to wait for an item: a timeout in milliseconds, or `{ timeout?, blocking?, signal? }`
   *   (`0` or `blocking: false`: do not wait); waits forever by default.
   * @returns A promise of the item (a copy; a proxy comes back as a proxy).
   * @throws (rejects) EmptyError when no item came in time; ShutDownError once the queue is shut
   *   down and empty; TypeError/RangeError for bad options; the signal's reason on abort (then nothing is taken).
   */
  get(opts?: number | WaitOptions): Promise<T> {
    return this._wait('get', [], opts) as Promise<T>;
  }
  /** Takes without waiting: `EmptyError` when empty. */
  getNowait(): Promise<T> {
    return this.get(0);
  }
  /** The number of items. */
  qsize(): Promise<number> {
    return this._call('qsize', []) as Promise<number>;
  }
  /** Whether it is empty. */
  empty(): Promise<boolean> {
    return this._call('empty', []) as Promise<boolean>;
  }
  /** Whether it is full. */
  full(): Promise<boolean> {
    return this._call('full', []) as Promise<boolean>;
  }
  /** Marks one item taken earlier as done; one too many is a `StateError`. */
  taskDone(): Promise<void> {
    return this._call('taskDone', []) as Promise<void>;
  }
  /**
   * Waits until every item put has been marked done with `taskDone()`; resolves `false` on timeout.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns A promise of `true` once no task is unfinished (at once when none is), `false` when the timeout passed first.
   * @throws (rejects) TypeError/RangeError for bad options; the signal's reason on abort.
   */
  join(opts?: number | WaitOptions): Promise<boolean> {
    return this._wait('join', [], opts) as Promise<boolean>;
  }
  /**
   * Shuts it down (Python 3.13's `Queue.shutdown`): puts fail with `ShutDownError`, gets drain
   * what is left then fail with `ShutDownError`; waiting puts and gets are woken.
   * @param immediate - `true` also drops the items left (they count as done, so `join()`
   *   returns) and gets fail at once; default `false`.
   * @returns A promise that resolves once it is shut down.
   * @throws (rejects) TypeError when `immediate` is not a boolean.
   */
  shutdown(immediate = false): Promise<void> {
    return this._call('shutdown', [immediate]) as Promise<void>;
  }
  /** Yields items until the queue is shut down and drained. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      try {
        yield await this.get();
      } catch (error) {
        if (error instanceof ShutDownError || error instanceof EmptyError) return;
        throw error;
      }
    }
  }
}

proxyClass('queue', QueueProxy);
