/** The async-mutex peer: an in-process promise mutex (it cannot cross threads). */
import { Mutex } from 'async-mutex';
import type { Contender } from '../workload.js';

/**
 * Uncontended `await mutex.acquire()` + `release()` with an increment inside, in ns per
 * pair; checks the count and that the mutex ends free.
 */
export function asyncMutexUncontended(options: { name?: string; ops?: number } = {}): Contender {
  const { name = 'async-mutex', ops = 300_000 } = options;
  return {
    name,
    role: 'peer',
    async run(quick) {
      const n = quick ? Math.ceil(ops / 10) : ops;
      const mutex = new Mutex();
      let count = 0;
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        const release = await mutex.acquire();
        count++;
        release();
      }
      const ns = ((performance.now() - start) * 1e6) / n;
      if (count !== n || mutex.isLocked()) throw new Error(`count ${count} of ${n}, locked ${mutex.isLocked()}`);
      return ns;
    },
  };
}
