import { registerKind } from '@conc/core/internal';
import { StoreKind } from './layout.js';
import { priorityKey } from './priority-key.js';
import { QueueCore, type QueueCoreFields } from './queue-core.js';
import { adoptCore, Queue, QUEUE_SYNC_METHODS } from './queue.js';

const KIND = '@conc/queue:PriorityQueue';

/**
 * A priority queue in shared memory: Python's `queue.PriorityQueue`. The same members as
 * {@link Queue}; `get` returns the smallest item. Numbers, bigints and booleans compare by
 * value, strings by UTF-16 code units, arrays element by element (Python's
 * `(priority, data)` tuples: put `[priority, data]`). Items that cannot be compared (objects,
 * `null`) count as equal, and so does the rest of an array after one; values of different
 * types order by type (numbers, strings, arrays, the rest) where Python raises `TypeError`.
 * Equal items come out first-in first-out.
 *
 * @typeParam T - The type of the items.
 * @example
 * ```ts
 * import { PriorityQueue } from '@conc/queue';
 * const pq = new PriorityQueue<[number, string]>();
 * pq.putNowait([2, 'write code']);
 * pq.putNowait([1, 'read the issue']);
 * pq.putNowait([2, 'test it']);
 * // Whole arrays compare, as Python's tuples: 'test it' < 'write code'.
 * console.log(pq.getNowait()[1], pq.getNowait()[1], pq.getNowait()[1]); // read the issue test it write code
 * ```
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  /** @internal */
  protected override _kind(): { kind: string; store: StoreKind } {
    return { kind: KIND, store: StoreKind.Priority };
  }

  /** @internal */
  protected override _key(item: T): Uint8Array {
    return priorityKey(item);
  }
}

// Registered outside the class: a static block naming the class makes esbuild rename it (`_Queue`).
registerKind(KIND, {
  revive: (descriptor) => adoptCore(QueueCore.open(KIND, descriptor as unknown as QueueCoreFields), () => new PriorityQueue()),
  syncMethods: QUEUE_SYNC_METHODS,
});
