/**
 * New program
 *
 * A starting point: two threads add to one shared counter under a Lock. Change it, run it,
 * watch its threads in the timeline.
 *
 * Python:
 *   import threading
 *
 *   def work(lock, name):
 *       for step in range(3):
 *           with lock:
 *               print(name, "step", step)
 *
 *   lock = threading.Lock()
 *   threads = [threading.Thread(target=work, args=(lock, f"worker-{i}")) for i in range(2)]
 *   for t in threads: t.start()
 *   for t in threads: t.join()
 */
import { Thread } from '@conc/process';
import { Lock } from '@conc/sync';
import { label } from '@conc/playground/timeline';

// A thread's target is shipped to the thread as source: it uses only its arguments and what
// it imports itself.
async function work(lock: Lock, name: string) {
  const { sleep } = await import('@conc/playground/timeline');
  for (let step = 0; step < 3; step++) {
    await lock.with(() => console.log(name, 'step', step));
    await sleep(50);
  }
}

const lock = label(new Lock(), 'counter');
const threads = [0, 1].map((i) => new Thread({ target: work, args: [lock, `worker-${i}`], name: `worker-${i}` }));
for (const t of threads) t.start();
for (const t of threads) await t.join();
console.log('all done');
