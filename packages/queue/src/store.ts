import type { Arena } from './arena.js';

/**
 * Where a queue keeps its encoded items, in the order it hands them out. Every method runs
 * under the queue's lock; `count` bookkeeping is the queue's job.
 * @internal
 */
export interface Store {
  /** Appends an encoded item (`key` orders a priority queue). May move to a larger arena. */
  push(bytes: Uint8Array, key: Uint8Array | undefined): void;
  /**
   * Removes the next item and returns a copy of its bytes: its own with `keep`, else maybe
   * this thread's scratch buffer (see `copyOut`). The store must not be empty.
   */
  pop(keep: boolean): Uint8Array;
  /** Drops every item. */
  clear(): void;
  /**
   * After a thread died holding the queue's lock: finishes a rearrangement of the arena it left
   * half-done (one that changes no item), before the queue's words are put back.
   */
  finish(): void;
  /** After the queue's words were put back as they were before the dead thread's operation: rebuilds what they index. */
  rebuild(): void;
}

/** What a store works on: the control words (as unsigned) and the arenas. @internal */
export interface StoreMemory {
  control: Uint32Array;
  arena: Arena;
  /** The heap index of a priority queue. */
  index: Arena | undefined;
  /** Makes `arena` the queue's item arena (after copying into it). */
  moveArena(arena: Arena): void;
  /** Makes `index` the priority queue's heap index (after copying into it). */
  moveIndex(index: Arena): void;
}
