import { getEnvironmentData, setEnvironmentData } from 'node:worker_threads';

/**
 * The shared heap: one growable `SharedArrayBuffer` per process from which every @conc object
 * takes its memory.
 *
 * Why one heap rather than one SAB per object: a `SharedArrayBuffer` cannot be written into
 * shared memory, so an object that must cross *through* shared memory (a `Lock` inside an item
 * put on a `Queue`, a `Pipe` end sent over a `Pipe`) can only be named there by an offset into a
 * buffer every thread already holds. The heap is that buffer: the first thread to load the core
 * creates it and publishes it with `setEnvironmentData`, so every worker created afterwards (by
 * @conc or anyone else, at any depth) finds the same heap. Allocation is a lock-free bump of an
 * Atomics counter; the buffer grows on demand up to 4 GiB of reserved address space.
 *
 * The price: memory is not returned while the program runs (like a `SharedMemoryManager`
 * whose blocks live until shutdown). Create long-lived objects, not one per request.
 */

const ENV_KEY = '@conc/core.heap';
const INITIAL_BYTES = 1 << 20;
const MAX_BYTES = 2 ** 32;
/**
 * Word 0: the heap's id; word 1: the bump pointer (64-byte units); word 2: where the liveness
 * table is (64-byte units, 0 until a thread is first marked gone). Objects start at 64.
 */
const HEAP_HEADER_BYTES = 64;
const ALIGN = 64;

function createHeap(): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(INITIAL_BYTES, { maxByteLength: MAX_BYTES });
  const words = new Int32Array(buffer, 0, 2);
  words[0] = (Math.random() * 0x7fffffff + 1) | 0;
  words[1] = HEAP_HEADER_BYTES / ALIGN;
  return buffer;
}

function adoptHeap(): SharedArrayBuffer {
  const inherited = getEnvironmentData(ENV_KEY);
  if (inherited instanceof SharedArrayBuffer) return inherited;
  const created = createHeap();
  setEnvironmentData(ENV_KEY, created);
  return created;
}

const heapBuffer = adoptHeap();
const heapWords = new Int32Array(heapBuffer, 0, 3);

/** This process's shared heap. @internal */
export function heap(): SharedArrayBuffer {
  return heapBuffer;
}

/** The random id of this process's heap (bytes encoded against another heap are refused). @internal */
export function heapId(): number {
  return heapWords[0]!;
}

/**
 * Takes `byteLength` bytes (a multiple of 8, at least 8) from the heap, 64-byte aligned so that
 * two objects never share a cache line. Returns the byte offset.
 * @throws RangeError when the heap's 4 GiB are used up.
 * @internal
 */
export function heapAllocate(byteLength: number): number {
  const size = Math.ceil(byteLength / ALIGN) * ALIGN;
  if (size > 0x7fffffff) throw new RangeError(`cannot allocate ${byteLength} bytes of shared memory at once (at most 2 GiB)`);
  // The bump pointer counts in 64-byte units so that it fits an Int32 up to 128 GiB.
  const offset = Atomics.add(heapWords, 1, size / ALIGN) * ALIGN;
  const end = offset + size;
  if (end > MAX_BYTES) throw new RangeError(`the shared heap is full: ${MAX_BYTES} bytes of @conc objects exist already`);
  while (heapBuffer.byteLength < end) {
    const target = Math.min(MAX_BYTES, Math.max(end, heapBuffer.byteLength * 2));
    try {
      heapBuffer.grow(target);
    } catch (error) {
      // Another thread grew it first (grow refuses to shrink): fine when it is now big enough.
      if (heapBuffer.byteLength < end) throw error;
    }
  }
  return offset;
}

/** Word 2 of the heap's header: where the liveness table is (see liveness.ts). @internal */
export const LIVENESS_WORD = 2;

/** The heap's header words, for the process-wide tables that hang off it. @internal */
export function heapHeader(): Int32Array {
  return heapWords;
}
