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
  /** Puts `item`, waiting for room; `FullError` after the timeout, `ShutDownError` once shut down. */
  async put(item: T, opts?: number | WaitOptions): Promise<void> {
    await this._wait('put', [item], opts);
  }
  /** Puts without waiting: `FullError` when full. */
  putNowait(item: T): Promise<void> {
    return this.put(item, 0);
  }
  /** Takes the first item, waiting for one; `EmptyError` after the timeout. */
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
  /** Waits until every item put has been marked done; resolves `false` on timeout. */
  join(opts?: number | WaitOptions): Promise<boolean> {
    return this._wait('join', [], opts) as Promise<boolean>;
  }
  /** Shuts it down: puts fail, gets drain what is left (`immediate` drops it) then fail. */
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
