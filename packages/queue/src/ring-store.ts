import { align, copyIn, copyOut, largerArena } from './arena.js';
import { Word } from './layout.js';
import type { Store, StoreMemory } from './store.js';

/** A record length that means "the records go on at offset 0". */
const WRAP_MARKER = 0xffffffff;

/**
 * First-in first-out records in a ring: `[u32 length][bytes, padded to 4]`, from `Head` to
 * `Tail`, wrapping to offset 0 where a marker (or the end of the arena) says so. `Used` counts
 * the bytes of the records plus the slack skipped at a wrap.
 *
 * When a record does not fit, the records move, in order, to the start of a larger arena.
 * @internal
 */
export class RingStore implements Store {
  readonly #control: Uint32Array;
  readonly #memory: StoreMemory;

  constructor(memory: StoreMemory) {
    this.#memory = memory;
    this.#control = memory.control;
  }

  push(bytes: Uint8Array, _key: Uint8Array | undefined): void {
    const c = this.#control;
    const size = 4 + align(bytes.length);
    let { bytes: arena, u32 } = this.#memory.arena;
    const capacity = arena.length;
    let used = c[Word.Used]!;
    let head = c[Word.Head]!;
    let tail = c[Word.Tail]!;
    if (used === 0) {
      // Empty: start over at 0, so records stay contiguous as long as possible.
      head = tail = 0;
      c[Word.Head] = 0;
      c[Word.Wrap] = capacity;
    }
    const wrapped = used > 0 && tail <= head;
    let at = -1;
    if (!wrapped) {
      if (tail + size <= capacity) at = tail;
      else if (size <= head) {
        // Mark the wrap (when a word is left) and go on at 0.
        if (tail < capacity) u32[tail >>> 2] = WRAP_MARKER;
        used += capacity - tail;
        c[Word.Wrap] = tail;
        at = 0;
      }
    } else if (tail + size <= head) at = tail;
    if (at < 0) {
      used = this.#move(size, wrapped, head, tail, used);
      at = used;
      ({ bytes: arena, u32 } = this.#memory.arena);
    }
    u32[at >>> 2] = bytes.length;
    copyIn(this.#memory.arena, at + 4, bytes);
    c[Word.Tail] = at + size;
    c[Word.Used] = used + size;
  }

  /** Moves the records, in order, to the start of an arena with room for `size` more bytes; returns their length. */
  #move(size: number, wrapped: boolean, head: number, tail: number, used: number): number {
    const c = this.#control;
    const old = this.#memory.arena;
    const fresh = largerArena(old, used + size);
    let length: number;
    if (wrapped) {
      const wrap = c[Word.Wrap]!;
      fresh.bytes.set(old.bytes.subarray(head, wrap), 0);
      fresh.bytes.set(old.bytes.subarray(0, tail), wrap - head);
      length = wrap - head + tail;
    } else {
      fresh.bytes.set(old.bytes.subarray(head, tail), 0);
      length = tail - head;
    }
    this.#memory.moveArena(fresh);
    c[Word.Head] = 0;
    c[Word.Wrap] = fresh.bytes.length;
    return length;
  }

  pop(keep: boolean): Uint8Array {
    const c = this.#control;
    const { bytes: arena, u32 } = this.#memory.arena;
    let head = c[Word.Head]!;
    let used = c[Word.Used]!;
    if (head === arena.length || u32[head >>> 2] === WRAP_MARKER) {
      used -= arena.length - head;
      head = 0;
      c[Word.Wrap] = arena.length;
    }
    const length = u32[head >>> 2]!;
    const start = head + 4;
    const out = copyOut(this.#memory.arena, start, length, keep);
    const size = 4 + align(length);
    c[Word.Head] = head + size;
    c[Word.Used] = used - size;
    return out;
  }

  clear(): void {
    const c = this.#control;
    c[Word.Head] = c[Word.Tail] = c[Word.Used] = 0;
    c[Word.Wrap] = this.#memory.arena.bytes.length;
  }
}
