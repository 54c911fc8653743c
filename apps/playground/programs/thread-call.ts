/**
 * Threads by direct call
 *
 * Two threads run the same function with different arguments; the main thread starts both
 * and joins them. Each thread sleeps in between, so their lines interleave.
 *
 * Python:
 *   import threading, time
 *
 *   def run(n):
 *       print("task", n)
 *       time.sleep(1)
 *       print("task", n, "done")
 *
 *   t1 = threading.Thread(target=run, args=("t1",))
 *   t2 = threading.Thread(target=run, args=("t2",))
 *   t1.start(); t2.start()
 *   t1.join(); t2.join()
 */
import { Thread } from '@conc/process';

async function run(n: string) {
  const { sleep } = await import('@conc/playground/timeline');
  console.log('task', n);
  await sleep(1000);
  console.log('task', n, 'done');
}

const t1 = new Thread({ target: run, args: ['t1'] });
const t2 = new Thread({ target: run, args: ['t2'] });
t1.start();
t2.start();
await t1.join();
await t2.join();
console.log('both threads ended');
