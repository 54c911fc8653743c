import type { Worker } from 'node:worker_threads';
import { LIVENESS_WORD, heap, heapAllocate, heapHeader } from './heap.js';
import { identityBase } from './identity.js';

/**
 * Which threads of this process are gone: one bit per thread identity, in the shared heap, so
 * that every thread reads the same table. Only the parent of a thread learns of its death (the
 * `Worker`'s `exit` event; nothing in shared memory changes by itself), so the parent marks it
 * here, and a waiter that finds a lock held by a gone thread takes the lock over (see mutex.ts).
 *
 * The table covers the 2^20 thread ids of this process (the span @conc/process gives each
 * process's identities); it is made on the first death, so a program where no thread ends
 * pays nothing but one load per check. Identities of other processes are never gone here:
 * their operations run in this process's broker, which releases what a dead child held.
 */

/** Thread ids per process: identities are `base + threadId + 1` (see identity.ts). */
const SPAN = 1 << 20;
const TABLE_BYTES = SPAN / 8;

let table: Int32Array | undefined;

function openTable(create: boolean): Int32Array | undefined {
  if (table) return table;
  const header = heapHeader();
  let at = Atomics.load(header, LIVENESS_WORD);
  if (at === 0) {
    if (!create) return undefined;
    const offset = heapAllocate(TABLE_BYTES) / 64;
    // Two threads may race to make it: the first one's table wins (the other's bytes are lost).
    const previous = Atomics.compareExchange(header, LIVENESS_WORD, 0, offset);
    at = previous === 0 ? offset : previous;
  }
  table = new Int32Array(heap(), at * 64, TABLE_BYTES / 4);
  return table;
}

/** The slot of an identity in this process's table, or -1 for one of another process. */
function slotOf(identity: number): number {
  const slot = identity - identityBase - 1;
  return slot >= 0 && slot < SPAN ? slot : -1;
}

/**
 * Records that the thread of `identity` (of this process) is gone: locks it holds may be taken
 * over from now on. Call it once the thread has stopped running (its `exit` event).
 * @internal
 */
export function markGone(identity: number): void {
  const slot = slotOf(identity);
  if (slot < 0) return;
  Atomics.or(openTable(true)!, slot >>> 5, 1 << (slot & 31));
}

/**
 * Whether the thread of `identity` is known to be gone. `false` for the identities of other
 * processes and for threads nobody watched (see {@link watchWorker}).
 * @internal
 */
export function isGone(identity: number): boolean {
  const slot = slotOf(identity);
  if (slot < 0) return false;
  const words = openTable(false);
  return words !== undefined && (Atomics.load(words, slot >>> 5) & (1 << (slot & 31))) !== 0;
}

/** The identity of the thread running `worker` (one of this process's). @internal */
export function workerIdentity(worker: Worker): number {
  return (identityBase + worker.threadId + 1) | 0;
}

/**
 * Marks `worker`'s thread gone when it exits, however it ends (returns, throws, `process.exit`,
 * `terminate()`, out of memory). Call it right after creating the worker.
 * @internal
 */
export function watchWorker(worker: Worker): void {
  const identity = workerIdentity(worker);
  worker.once('exit', () => markGone(identity));
}
