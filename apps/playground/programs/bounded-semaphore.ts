/**
 * BoundedSemaphore: at most three at a time
 *
 * Ten threads want in, a BoundedSemaphore(3) lets three run at once: the others wait for a
 * permit. Releasing more than was acquired is an error, which is what "bounded" adds.
 *
 * Python:
 *   import threading, time
 *
 *   semaphore = threading.BoundedSemaphore(3)
 *
 *   def run(n):
 *       with semaphore:
 *           time.sleep(0.5)
 *           print("run the thread:", n)
 *
 *   threads = [threading.Thread(target=run, args=(i,)) for i in range(10)]
 *   for t in threads: t.start()
 *   for t in threads: t.join()
 *   print("----all threads done---")
 *   try:
 *       semaphore.release()
 *   except ValueError as e:
 *       print("one release too many:", e)
 */
import { Thread } from '@conc/process';
import { BoundedSemaphore } from '@conc/sync';
import { label } from '@conc/playground/timeline';

async function run(semaphore: BoundedSemaphore, n: number) {
  const { sleepSync } = await import('@conc/playground/timeline');
  semaphore.acquireSync();
  try {
    sleepSync(500);
    console.log('run the thread:', n);
  } finally {
    semaphore.release();
  }
}

const semaphore = label(new BoundedSemaphore(3), 'three at a time');
const threads = Array.from({ length: 10 }, (_, i) => new Thread({ target: run, args: [semaphore, i] }));
for (const t of threads) t.start();
for (const t of threads) await t.join();
console.log('----all threads done---');
try {
  semaphore.release();
} catch (error) {
  console.log('one release too many:', (error as Error).message);
}
