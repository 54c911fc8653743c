/**
 * join and daemon
 *
 * First the main thread starts three threads and joins each, so it goes on only when all
 * have ended. Then it starts three daemon threads and does not wait for them: when the main
 * thread ends, the program ends and the daemon threads are ended with it ("task done" is
 * never printed for them).
 *
 * Python:
 *   import threading, time
 *
 *   def run(n, seconds):
 *       print("task", n)
 *       time.sleep(seconds)
 *       print("task done", n)
 *
 *   start = time.time()
 *   threads = [threading.Thread(target=run, args=(i, 1)) for i in range(3)]
 *   for t in threads: t.start()
 *   for t in threads: t.join()
 *   print("all joined after", time.time() - start)
 *
 *   for i in range(3):
 *       t = threading.Thread(target=run, args=(f"daemon-{i}", 3), daemon=True)
 *       t.start()
 *   time.sleep(1.5)
 *   print("main thread done; the daemon threads end with it")
 */
import { Thread } from '@conc/process';
import { sleep } from '@conc/playground/timeline';

async function run(n: string, seconds: number) {
  const { sleep } = await import('@conc/playground/timeline');
  console.log('task', n);
  await sleep(seconds * 1000);
  console.log('task done', n);
}

const start = Date.now();
const threads = [0, 1, 2].map((i) => new Thread({ target: run, args: [String(i), 1] }));
for (const t of threads) t.start();
for (const t of threads) await t.join();
console.log(`all joined after ${((Date.now() - start) / 1000).toFixed(1)} s`);

for (const i of [0, 1, 2]) {
  const t = new Thread({ target: run, args: [`daemon-${i}`, 3], daemon: true });
  t.start();
}
await sleep(1500);
console.log("main thread done; the daemon threads end with it");
