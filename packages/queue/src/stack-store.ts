import { align, copyOut, largerArena } from './arena.js';
import { Word } from './layout.js';
import type { Store, StoreMemory } from './store.js';

/**
 * Last-in first-out records on a stack: `[bytes, padded to 4][u32 length]` up to `Tail`, so
 * the newest record is found from the top. Pushing past the end moves the stack to a larger arena.
 * @internal
 */
export class StackStore implements Store {
  readonly #control: Uint32Array;
  readonly #memory: StoreMemory;

  constructor(memory: StoreMemory) {
    this.#memory = memory;
    this.#control = memory.control;
  }

  push(bytes: Uint8Array, _key: Uint8Array | undefined): void {
    const c = this.#control;
    const top = c[Word.Tail]!;
    const size = align(bytes.length) + 4;
    if (top + size > this.#memory.arena.bytes.length) {
      const fresh = largerArena(this.#memory.arena, top + size);
      fresh.bytes.set(this.#memory.arena.bytes.subarray(0, top), 0);
      this.#memory.moveArena(fresh);
    }
    const { bytes: arena, u32 } = this.#memory.arena;
    arena.set(bytes, top);
    u32[(top + size - 4) >>> 2] = bytes.length;
    c[Word.Tail] = top + size;
  }

  pop(keep: boolean): Uint8Array {
    const c = this.#control;
    const { u32 } = this.#memory.arena;
    const top = c[Word.Tail]!;
    const length = u32[(top - 4) >>> 2]!;
    const start = top - 4 - align(length);
    c[Word.Tail] = start;
    return copyOut(this.#memory.arena, start, length, keep);
  }

  clear(): void {
    this.#control[Word.Tail] = 0;
  }

  /** Nothing to finish: a stack's operations only write above `Tail` or move it. */
  finish(): void {}

  /** Nothing to rebuild: `Tail` says it all. */
  rebuild(): void {}
}
