import { align, copyOut, largerArena } from './arena.js';
import { JOURNALED_WORDS, Word } from './layout.js';
import type { Store, StoreMemory } from './store.js';

/** Bytes before a record's key: its heap position, key length and item length. */
const RECORD_HEADER = 12;
/** The heap position of a removed record. */
const DEAD = 0xffffffff;
/** Where the undo journal keeps its copy of `Tail`. */
const JOURNALED_TAIL = Word.JournalFirst + JOURNALED_WORDS.indexOf(Word.Tail);

/**
 * A binary min-heap of records ordered by their priority keys (see `priorityKey`), for
 * `PriorityQueue`. Records `[u32 heap position][u32 key length][u32 item length][key][item]`
 * are bump-allocated in the arena; the heap itself is an index of record offsets in a second
 * buffer. A record removed from the middle of the arena leaves a hole: when the holes make up
 * half the arena, the live records are slid down (each one knows its heap position, so the
 * index is patched as they move); otherwise they move to a larger arena.
 *
 * Each key ends with an 8-byte insertion number, so equal priorities come out first-in
 * first-out and comparing two keys is a plain byte comparison.
 *
 * A thread that dies mid-operation leaves the index half-sifted: the queue puts its words back
 * (its undo journal) and the index is rebuilt from the live records (`rebuild`); the record a
 * pop was removing is named in `Word.Popping`, so it counts as live again. A compaction records
 * where it stands after each record, so it can be finished (`finish`).
 * @internal
 */
export class HeapStore implements Store {
  readonly #control: Uint32Array;
  readonly #memory: StoreMemory;

  constructor(memory: StoreMemory) {
    if (!memory.index) throw new TypeError('a priority queue needs a heap index');
    this.#memory = memory;
    this.#control = memory.control;
  }

  push(bytes: Uint8Array, key: Uint8Array | undefined): void {
    const c = this.#control;
    const keyBytes = (key?.length ?? 0) + 8;
    const size = RECORD_HEADER + align(keyBytes) + align(bytes.length);
    let top = c[Word.Tail]!;
    const capacity = this.#memory.arena.bytes.length;
    if (top + size > capacity) {
      const holes = top - c[Word.Used]!;
      if (holes >= size && holes * 2 >= capacity) top = this.#compact();
      if (top + size > capacity) {
        const fresh = largerArena(this.#memory.arena, top + size);
        fresh.bytes.set(this.#memory.arena.bytes.subarray(0, top), 0);
        this.#memory.moveArena(fresh);
      }
    }
    const n = c[Word.HeapLength]!;
    const index = this.#memory.index!;
    if ((n + 1) * 4 > index.bytes.length) {
      const fresh = largerArena(index, (n + 1) * 4);
      fresh.bytes.set(index.bytes.subarray(0, n * 4), 0);
      this.#memory.moveIndex(fresh);
    }
    const { bytes: arena, u32 } = this.#memory.arena;
    const word = top >>> 2;
    u32[word + 1] = keyBytes;
    u32[word + 2] = bytes.length;
    const keyAt = top + RECORD_HEADER;
    if (key) arena.set(key, keyAt);
    // The insertion number, big-endian so that byte order is numeric order.
    const low = c[Word.SeqLow]!;
    const high = c[Word.SeqHigh]!;
    const seqAt = keyAt + keyBytes - 8;
    writeU32BigEndian(arena, seqAt, high);
    writeU32BigEndian(arena, seqAt + 4, low);
    if (low === 0xffffffff) c[Word.SeqHigh] = high + 1;
    c[Word.SeqLow] = low + 1;
    arena.set(bytes, keyAt + align(keyBytes));
    c[Word.Tail] = top + size;
    c[Word.Used] = c[Word.Used]! + size;
    c[Word.HeapLength] = n + 1;
    this.#siftUp(n, top);
  }

  pop(keep: boolean): Uint8Array {
    const c = this.#control;
    const { u32 } = this.#memory.arena;
    const heap = this.#memory.index!.u32;
    const root = heap[0]!;
    const keyBytes = u32[(root >>> 2) + 1]!;
    const length = u32[(root >>> 2) + 2]!;
    const itemAt = root + RECORD_HEADER + align(keyBytes);
    const out = copyOut(this.#memory.arena, itemAt, length, keep);
    c[Word.Popping] = root;
    u32[root >>> 2] = DEAD;
    const n = c[Word.HeapLength]! - 1;
    c[Word.HeapLength] = n;
    if (n === 0) {
      // Nothing live: the whole arena is free again.
      c[Word.Tail] = c[Word.Used] = 0;
    } else {
      c[Word.Used] = c[Word.Used]! - (RECORD_HEADER + align(keyBytes) + align(length));
      this.#siftDown(0, heap[n]!, n);
    }
    return out;
  }

  clear(): void {
    const c = this.#control;
    c[Word.Tail] = c[Word.Used] = c[Word.HeapLength] = 0;
  }

  /** Slides the live records down over the holes; returns the new top. */
  #compact(): number {
    const c = this.#control;
    c[Word.CompactFrom] = 0;
    c[Word.CompactTo] = 0;
    c[Word.CompactTop] = c[Word.Tail]!;
    c[Word.Compacting] = 1;
    return this.#slide();
  }

  /**
   * The compaction from where it stands. Records past `CompactFrom` are untouched: where it
   * stands is written after each record moved, and nothing between the move and that write can
   * be interrupted (no call, no loop), so a compaction whose thread died is finished from there.
   */
  #slide(): number {
    const c = this.#control;
    const { bytes: arena, u32 } = this.#memory.arena;
    const heap = this.#memory.index!.u32;
    const top = c[Word.CompactTop]!;
    let from = c[Word.CompactFrom]!;
    let to = c[Word.CompactTo]!;
    while (from < top) {
      const word = from >>> 2;
      const size = RECORD_HEADER + align(u32[word + 1]!) + align(u32[word + 2]!);
      const position = u32[word]!;
      if (position !== DEAD) {
        if (to !== from) arena.copyWithin(to, from, from + size);
        heap[position] = to;
        to += size;
      }
      from += size;
      c[Word.CompactFrom] = from;
      c[Word.CompactTo] = to;
    }
    c[Word.Tail] = to;
    // A compaction changes no item: an undo of the operation around it keeps the compacted top.
    c[JOURNALED_TAIL] = to;
    c[Word.Compacting] = 0;
    return to;
  }

  finish(): void {
    if (this.#control[Word.Compacting] !== 0) this.#slide();
  }

  /**
   * Rebuilds the index from the records below `Tail` that are live (or being popped), in key
   * order (a sorted array is a heap); `HeapLength` and the queue's count follow what is found.
   */
  rebuild(): void {
    const c = this.#control;
    const { u32 } = this.#memory.arena;
    const popping = c[Word.Popping]!;
    const live: number[] = [];
    for (let at = 0, top = c[Word.Tail]!; at < top; at += RECORD_HEADER + align(u32[(at >>> 2) + 1]!) + align(u32[(at >>> 2) + 2]!)) {
      if (u32[at >>> 2] !== DEAD || at === popping) live.push(at);
    }
    live.sort((a, b) => this.#compare(a, b));
    const index = this.#memory.index!;
    const heap = index.u32;
    live.forEach((record, i) => {
      heap[i] = record;
      u32[record >>> 2] = i;
    });
    c[Word.HeapLength] = live.length;
    c[Word.Popping] = DEAD;
  }

  #siftUp(i: number, record: number): void {
    const heap = this.#memory.index!.u32;
    const u32 = this.#memory.arena.u32;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      const other = heap[parent]!;
      if (this.#compare(record, other) >= 0) break;
      heap[i] = other;
      u32[other >>> 2] = i;
      i = parent;
    }
    heap[i] = record;
    u32[record >>> 2] = i;
  }

  #siftDown(i: number, record: number, n: number): void {
    const heap = this.#memory.index!.u32;
    const u32 = this.#memory.arena.u32;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.#compare(heap[child + 1]!, heap[child]!) < 0) child++;
      const other = heap[child]!;
      if (this.#compare(other, record) >= 0) break;
      heap[i] = other;
      u32[other >>> 2] = i;
      i = child;
    }
    heap[i] = record;
    u32[record >>> 2] = i;
  }

  /** Compares the keys of two records byte by byte. */
  #compare(a: number, b: number): number {
    const { bytes: arena, u32 } = this.#memory.arena;
    const lengthA = u32[(a >>> 2) + 1]!;
    const lengthB = u32[(b >>> 2) + 1]!;
    const n = Math.min(lengthA, lengthB);
    const atA = a + RECORD_HEADER;
    const atB = b + RECORD_HEADER;
    for (let i = 0; i < n; i++) {
      const d = arena[atA + i]! - arena[atB + i]!;
      if (d !== 0) return d;
    }
    return lengthA - lengthB;
  }
}

function writeU32BigEndian(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}
