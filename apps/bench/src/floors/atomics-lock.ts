/**
 * The raw lock floor: Drepper's three-state futex mutex (0 free, 1 locked, 2 contended) on
 * Atomics, with no validation, no owner, no tracing. What a lock cannot beat on this platform.
 */
import { runGated, type WorkerContext } from '../worker.js';
import type { Contender } from '../workload.js';

const LOCK = 0;
// The counter sits on its own 64-byte line, away from the lock word.
const COUNTER = 16;

/** Options of the lock floors. */
export interface LockFloorOptions {
  /** The table name (default `'raw Atomics CAS lock'`). */
  name?: string;
  /** Lock+unlock pairs per thread in a full run (a quick run does a tenth). */
  ops?: number;
}

/**
 * Uncontended lock + increment + unlock on the calling thread, in ns per pair. Checks that
 * the counter equals the number of pairs and the lock ends free.
 */
export function casLockUncontended(options: LockFloorOptions = {}): Contender {
  const { name = 'raw Atomics CAS lock', ops = 3_000_000 } = options;
  return {
    name,
    role: 'floor',
    async run(quick) {
      const n = quick ? Math.ceil(ops / 10) : ops;
      const word = new Int32Array(new SharedArrayBuffer(128));
      const start = performance.now();
      for (let k = 0; k < n; k++) {
        let c = Atomics.compareExchange(word, LOCK, 0, 1);
        if (c !== 0) {
          if (c !== 2) c = Atomics.exchange(word, LOCK, 2);
          while (c !== 0) {
            Atomics.wait(word, LOCK, 2);
            c = Atomics.exchange(word, LOCK, 2);
          }
        }
        word[COUNTER]!++;
        if (Atomics.sub(word, LOCK, 1) !== 1) {
          Atomics.store(word, LOCK, 0);
          Atomics.notify(word, LOCK, 1);
        }
      }
      const ns = ((performance.now() - start) * 1e6) / n;
      if (word[COUNTER] !== n || word[LOCK] !== 0) throw new Error(`counter ${word[COUNTER]} of ${n}, lock word ${word[LOCK]}`);
      return ns;
    },
  };
}

function contendedWorker(context: WorkerContext<{ buffer: SharedArrayBuffer; n: number }>): number {
  const word = new Int32Array(context.data.buffer);
  const n = context.data.n;
  context.ready();
  for (let k = 0; k < n; k++) {
    let c = Atomics.compareExchange(word, 0, 0, 1);
    if (c !== 0) {
      if (c !== 2) c = Atomics.exchange(word, 0, 2);
      while (c !== 0) {
        Atomics.wait(word, 0, 2);
        c = Atomics.exchange(word, 0, 2);
      }
    }
    // A plain read-modify-write: only the lock makes it exact.
    word[16] = word[16]! + 1;
    if (Atomics.sub(word, 0, 1) !== 1) {
      Atomics.store(word, 0, 0);
      Atomics.notify(word, 0, 1);
    }
  }
  return n;
}

/**
 * `threads` workers (default 2) each doing lock + increment + unlock on one shared lock,
 * in ns per critical section (wall time over all sections). Checks the exact total.
 */
export function casLockContended(options: LockFloorOptions & { threads?: number } = {}): Contender {
  const { name = 'raw Atomics CAS lock', ops = 500_000, threads = 2 } = options;
  return {
    name,
    role: 'floor',
    async run(quick) {
      const n = quick ? Math.ceil(ops / 10) : ops;
      const buffer = new SharedArrayBuffer(128);
      const { ms } = await runGated(Array.from({ length: threads }, () => [contendedWorker, { buffer, n }] as [typeof contendedWorker, unknown]));
      const word = new Int32Array(buffer);
      if (word[COUNTER] !== threads * n || word[LOCK] !== 0) {
        throw new Error(`counter ${word[COUNTER]} of ${threads * n}, lock word ${word[LOCK]}`);
      }
      return (ms * 1e6) / (threads * n);
    },
  };
}
