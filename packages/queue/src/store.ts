import type { Arena } from './arena.js';

/**
 * Where a queue keeps its encoded items, in the order it hands them out. Every method runs
 * under the queue's lock; `count` bookkeeping is the queue's job.
 * @internal
 */
export interface Store {
  /** Appends an encoded item (`key` orders a priority queue). May grow the arena. */
  push(bytes: Uint8Array, key: Uint8Array | undefined): void;
  /** Removes the next item and returns a private copy of its bytes. The store must not be empty. */
  pop(): Uint8Array;
  /** Drops every item. */
  clear(): void;
}

/** What a store works on: the control words (as unsigned) and the arena. @internal */
export interface StoreMemory {
  control: Uint32Array;
  arena: Arena;
  /** The heap index of a priority queue. */
  index?: Arena;
}
