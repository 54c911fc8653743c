// Helpers the tutorial programs use so that the playground's timeline can say more than the
// packages publish on their own: sleeping spans (Python's `time.sleep`) and names for objects
// ("waiting on Lock 'balance'"). Both publish on the same '@conc/trace' channel as the packages,
// so @conc/process forwards them from threads and child processes, and both cost nothing when
// nobody listens (the terminal mode). Plain JavaScript (types in timeline.d.ts) because thread
// targets import it inside worker threads, where tsx's loader is not installed.
import { toDescriptor, trace } from '@conc/core/internal';

/** @param {number} ms */
export async function sleep(ms) {
  trace('sleep', 'time', 0, { ms });
  await new Promise((resolve) => setTimeout(resolve, ms));
  trace('awake', 'time', 0);
}

/** @param {number} ms */
export function sleepSync(ms) {
  trace('sleep', 'time', 0, { ms });
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  trace('awake', 'time', 0);
}

/**
 * @template {object} T
 * @param {T} object
 * @param {string} name
 * @returns {T}
 */
export function label(object, name) {
  const describe = object[toDescriptor];
  if (typeof describe !== 'function') return object;
  const descriptor = describe.call(object);
  const id = objectId(descriptor);
  if (id !== undefined) trace('label', String(descriptor.kind ?? 'object'), id, { name });
  return object;
}

// The id a package's trace events carry is word 1 of the object's shared block (see
// @conc/core's shared-block.ts); a descriptor says where the block lives.
function objectId(descriptor) {
  const { buffer, byteOffset } = descriptor;
  if (buffer instanceof SharedArrayBuffer && typeof byteOffset === 'number') return new Int32Array(buffer, byteOffset, 2)[1];
  for (const value of Object.values(descriptor)) {
    if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
      const id = objectId(value);
      if (id !== undefined) return id;
    }
  }
  return undefined;
}
