import { allocateBlock } from '@conc/core/internal';

/**
 * The byte arena a queue keeps its items in: a block of the process's shared heap (the core's
 * one growable `SharedArrayBuffer`, which every thread holds), named in the queue's control
 * words by offset and length, so a queue can itself travel inside an item.
 *
 * An item larger than the free space makes the queue move to an arena at least twice as
 * large (a 50 MB item works), under the queue's lock; every thread re-reads the arena's place
 * after taking the lock. The heap never frees, so the old arena is left behind: a queue's
 * memory is bounded by about twice the most it ever held at once.
 */

const ARENA_KIND = '@conc/queue:arena';
/** Bytes of the core's block header, left alone at the start of each arena block. */
const BLOCK_HEADER = 8;

/** Bytes an arena starts with. @internal */
export const INITIAL_ARENA_BYTES = 16 * 1024 - BLOCK_HEADER;

/** The largest arena: the core allocates at most 2 GiB at once. @internal */
export const MAX_ARENA_BYTES = 2 ** 31 - 64 * 1024;

/** Views over one arena. @internal */
export interface Arena {
  /** Byte offset of the arena in the heap. */
  offset: number;
  bytes: Uint8Array;
  u32: Uint32Array;
}

/** Allocates a zeroed arena of at least `byteLength` bytes from the shared heap. @internal */
export function allocateArena(byteLength = INITIAL_ARENA_BYTES): Arena {
  if (byteLength > MAX_ARENA_BYTES) {
    throw new RangeError(`queue item too large: the queue would need ${byteLength} bytes of shared memory, the most is ${MAX_ARENA_BYTES}`);
  }
  const block = allocateBlock(ARENA_KIND, align(byteLength + BLOCK_HEADER, 8));
  return viewArena(block.buffer, block.byteOffset + BLOCK_HEADER, block.byteLength - BLOCK_HEADER);
}

/** Views over the arena at `offset` of the heap. @internal */
export function viewArena(heap: SharedArrayBuffer, offset: number, byteLength: number): Arena {
  return { offset, bytes: new Uint8Array(heap, offset, byteLength), u32: new Uint32Array(heap, offset, byteLength >>> 2) };
}

/**
 * A new arena for when `needed` bytes do not fit in `current`: at least twice as large, so
 * that moves stay amortised O(1) per byte. The caller copies what it keeps.
 * @throws RangeError when it would exceed {@link MAX_ARENA_BYTES}.
 * @internal
 */
export function largerArena(current: Arena, needed: number): Arena {
  return allocateArena(Math.max(needed, Math.min(MAX_ARENA_BYTES, Math.max(current.bytes.length * 2, align(needed, 4096)))));
}

/** The largest ring: a power of two the core can allocate (with the block header) at once. @internal */
export const MAX_RING_BYTES = 2 ** 30;

/**
 * A zeroed arena for a ring of positions that wrap at 2^32: its length is the smallest power of
 * two of at least `byteLength` bytes (so `position & (length - 1)` is the offset across the wrap).
 * @throws RangeError when that would exceed {@link MAX_RING_BYTES}.
 * @internal
 */
export function allocateRing(byteLength: number): Arena {
  if (byteLength > MAX_RING_BYTES) {
    throw new RangeError(`queue item too large: the queue would need ${byteLength} bytes of shared memory, the most is ${MAX_RING_BYTES}`);
  }
  const bytes = 2 ** Math.ceil(Math.log2(Math.max(byteLength, 64)));
  const arena = allocateArena(bytes);
  // The core may round a block up: view exactly the power of two.
  return arena.bytes.length === bytes ? arena : viewArena(arena.bytes.buffer as SharedArrayBuffer, arena.offset, bytes);
}

/** `n` rounded up to a multiple of `to`. @internal */
export function align(n: number, to = 4): number {
  return Math.ceil(n / to) * to;
}

/** Items up to this size are copied out into a per-thread scratch buffer instead of a new one. */
const SCRATCH_LIMIT = 64 * 1024;
let scratch = new Uint8Array(4096);
let scratchWords = new Uint32Array(scratch.buffer);
/**
 * Views of `scratch` by length, made once each: a view per item cost about as much as the copy
 * (the items of a stream mostly have a few lengths).
 */
let scratchViews: (Uint8Array | undefined)[] = [];
/** Lengths up to this keep their view (at most this many views per thread). */
const VIEW_CACHE_LIMIT = 1024;
/** Below this many bytes a word loop beats `set()` (which needs a subarray of the arena first). */
const WORD_COPY_LIMIT = 512;

/**
 * Copies `length` bytes at `start` of `arena` out of shared memory. With `keep`, or for a
 * large item, into a buffer of their own; otherwise into this thread's scratch buffer, valid
 * until the next call (allocating a buffer per item made the garbage collector the main cost).
 * `start` is 4-aligned and the record is padded to 4, so small items copy word by word.
 * @internal
 */
export function copyOut(arena: Arena, start: number, length: number, keep: boolean): Uint8Array {
  if (keep || length > SCRATCH_LIMIT) return arena.bytes.slice(start, start + length);
  if (length > scratch.length) {
    scratch = new Uint8Array(SCRATCH_LIMIT);
    scratchWords = new Uint32Array(scratch.buffer);
    scratchViews = [];
  }
  if (length <= WORD_COPY_LIMIT) {
    const words = arena.u32;
    const from = start >>> 2;
    for (let i = 0, n = (length + 3) >>> 2; i < n; i++) scratchWords[i] = words[from + i]!;
  } else scratch.set(arena.bytes.subarray(start, start + length));
  if (length > VIEW_CACHE_LIMIT) return scratch.subarray(0, length);
  return scratchViews[length] ?? (scratchViews[length] = scratch.subarray(0, length));
}

/**
 * Copies `bytes` into `arena` at `at` (4-aligned, with room padded to 4). One `set()`: measured
 * here, it beats a word loop even for a 64-byte item.
 * @internal
 */
export function copyIn(arena: Arena, at: number, bytes: Uint8Array): void {
  arena.bytes.set(bytes, at);
}
