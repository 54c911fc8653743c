import { registerKind } from '@conc/core/internal';
import { StoreKind } from './layout.js';
import { QueueCore, type QueueCoreFields } from './queue-core.js';
import { adoptCore, Queue, QUEUE_SYNC_METHODS } from './queue.js';

const KIND = '@conc/queue:LifoQueue';

/**
 * A last-in first-out queue (a stack) in shared memory: Python's `queue.LifoQueue`. The same
 * members as {@link Queue}; `get` returns the item put most recently.
 *
 * @typeParam T - The type of the items.
 * @example
 * ```ts
 * import { LifoQueue } from '@conc/queue';
 * const stack = new LifoQueue<string>();
 * for (const x of ['a', 'b', 'c']) stack.putNowait(x);
 * console.log(stack.getNowait(), stack.getNowait(), stack.getNowait()); // c b a
 * ```
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  /** @internal */
  protected override _kind(): { kind: string; store: StoreKind } {
    return { kind: KIND, store: StoreKind.Lifo };
  }
}

// Registered outside the class: a static block naming the class makes esbuild rename it (`_Queue`).
registerKind(KIND, {
  revive: (descriptor) => adoptCore(QueueCore.open(KIND, descriptor as unknown as QueueCoreFields), () => new LifoQueue()),
  syncMethods: QUEUE_SYNC_METHODS,
});
