import { threadId } from 'node:worker_threads';

// A child process started by @conc/process gets a base so that identities stay distinct
// across the processes of one program (thread ids restart at 0 in every process).
/** This process's identity base (0 in the first process). @internal */
export const identityBase = Number(process.env['CONC_IDENTITY_BASE'] ?? 0) | 0;
const own = (identityBase + threadId + 1) | 0;
let acting = 0;

/**
 * A non-zero int32 naming the calling thread, distinct across the threads (and, with
 * @conc/process, the processes) of one program. Used for ownership (`RLock`) and diagnostics.
 * Read it synchronously at the start of an operation.
 * @internal
 */
export function threadIdentity(): number {
  return acting || own;
}

/**
 * Runs `fn` with {@link threadIdentity} answering `identity`: how a broker performs an
 * operation on behalf of a thread of another process. Only the synchronous part of `fn` sees
 * it, which is why operations read the identity at their start.
 * @internal
 */
export function withIdentity<T>(identity: number, fn: () => T): T {
  const previous = acting;
  acting = identity;
  try {
    return fn();
  } finally {
    acting = previous;
  }
}
