import { heap, heapAllocate } from './heap.js';

/**
 * Shared memory for the primitives: a block of the process's shared heap per object (see
 * heap.ts for why one heap rather than one SAB per object). Each block starts with a header
 * word holding a tag derived from the kind, so a descriptor handed to the wrong class is a
 * clear error rather than silent corruption. Always address a block through its `byteOffset`
 * (use `block.i32`, or views made with `byteOffset`): `buffer` is the whole heap.
 */

/** Words 0 (the kind's tag) and 1 (the object's id) are the header; a kind's own words start at 2. @internal */
export const HEADER_WORDS = 2;

/** Bytes of a cache line: hot words of different roles live on different lines. @internal */
export const CACHE_LINE = 64;

/** Where a block lives: what crosses to another thread. @internal */
export interface BlockDescriptor {
  buffer: SharedArrayBuffer;
  byteOffset: number;
  byteLength: number;
}

/** A block of shared memory with a typed header. @internal */
export interface SharedBlock extends BlockDescriptor {
  /** Int32 view over the whole block; word 0 is the tag, word 1 the object's id. */
  i32: Int32Array;
}

/** The tag stored in word 0 of a block of `kind` (a 31-bit FNV-1a hash, never 0). @internal */
export function kindTag(kind: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < kind.length; i++) {
    h ^= kind.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h & 0x7fffffff) || 1;
}

/**
 * Allocates a zeroed block of at least `byteLength` bytes (rounded up to 8, the alignment of
 * BigInt64; the block itself is 64-byte aligned) from the shared heap and tags it with `kind`.
 * @internal
 */
export function allocateBlock(kind: string, byteLength: number): SharedBlock {
  if (!Number.isInteger(byteLength) || byteLength < 4) throw new RangeError(`allocateBlock: byteLength must be an integer >= 4, got ${byteLength}`);
  const size = Math.ceil(byteLength / 8) * 8;
  const buffer = heap();
  const byteOffset = heapAllocate(size);
  const i32 = new Int32Array(buffer, byteOffset, size >> 2);
  i32[0] = kindTag(kind);
  // The block's place in the heap names the object in traces, the same in every thread.
  i32[1] = byteOffset / 64;
  return { buffer, byteOffset, byteLength: size, i32 };
}

/**
 * Opens a block described by `descriptor`, checking that it was made for `kind`.
 * @throws TypeError when the descriptor is malformed or belongs to another kind.
 * @internal
 */
export function openBlock(kind: string, descriptor: BlockDescriptor): SharedBlock {
  const { buffer, byteOffset, byteLength } = descriptor ?? ({} as BlockDescriptor);
  if (!(buffer instanceof SharedArrayBuffer) || !Number.isInteger(byteOffset) || !Number.isInteger(byteLength) || byteOffset % 8 !== 0 || byteOffset + byteLength > buffer.byteLength) {
    throw new TypeError(`not a shared ${kind} descriptor: expected { buffer: SharedArrayBuffer, byteOffset, byteLength }`);
  }
  const i32 = new Int32Array(buffer, byteOffset, byteLength >> 2);
  if (Atomics.load(i32, 0) !== kindTag(kind)) throw new TypeError(`shared memory handed to ${kind} belongs to another kind of object`);
  return { buffer, byteOffset, byteLength, i32 };
}
