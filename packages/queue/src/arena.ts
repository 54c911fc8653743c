/**
 * The byte arena a queue keeps its items in: one growable `SharedArrayBuffer`, shared by
 * reference with every thread that holds the queue. Views are created without a length, so
 * they follow a `grow()` made by any thread.
 *
 * Why growable: an item larger than the arena must still go through (a 50 MB item), and a
 * second buffer cannot be handed to the other threads through shared memory alone. Growth
 * happens only under the queue's lock; the buffer never shrinks (a SharedArrayBuffer cannot),
 * so a queue's memory is bounded by the most it ever held at once.
 */

/** Bytes an arena starts with. @internal */
export const INITIAL_ARENA_BYTES = 64 * 1024;

/** The largest arena: SharedArrayBuffer lengths are limited to 2^32 bytes on Node 20. @internal */
export const MAX_ARENA_BYTES = 2 ** 32 - 64 * 1024;

/** Views over one arena buffer. @internal */
export interface Arena {
  buffer: SharedArrayBuffer;
  bytes: Uint8Array;
  u32: Uint32Array;
}

/** Allocates an arena of `byteLength` bytes (a multiple of 8) that can grow. @internal */
export function allocateArena(byteLength = INITIAL_ARENA_BYTES): Arena {
  return openArena(new SharedArrayBuffer(byteLength, { maxByteLength: MAX_ARENA_BYTES }));
}

/** Views over an arena received from another thread. @internal */
export function openArena(buffer: SharedArrayBuffer): Arena {
  if (!(buffer instanceof SharedArrayBuffer) || !buffer.growable) throw new TypeError('not a queue arena: expected a growable SharedArrayBuffer');
  return { buffer, bytes: new Uint8Array(buffer), u32: new Uint32Array(buffer) };
}

/**
 * Grows `arena` to at least `needed` bytes (at least doubling, so appends stay amortised O(1)).
 * @throws RangeError when the arena would exceed {@link MAX_ARENA_BYTES}.
 * @internal
 */
export function growArena(arena: Arena, needed: number): void {
  const current = arena.buffer.byteLength;
  if (needed <= current) return;
  if (needed > MAX_ARENA_BYTES) {
    throw new RangeError(`queue item too large: the queue would need ${needed} bytes of shared memory, the most is ${MAX_ARENA_BYTES}`);
  }
  const target = Math.min(MAX_ARENA_BYTES, Math.max(current * 2, align(needed, 64 * 1024)));
  arena.buffer.grow(target);
}

/** `n` rounded up to a multiple of `to` (a power of two). @internal */
export function align(n: number, to = 4): number {
  return Math.ceil(n / to) * to;
}
