/**
 * Queue: the producer waits until everything was eaten
 *
 * The second version: the chef makes a batch of buns and then waits in `q.join()` until every
 * bun was taken and marked done with `taskDone()`, before saying the batch is over. The
 * eaters are daemon threads: they loop forever and end with the program.
 *
 * Python:
 *   import threading, queue, time
 *
 *   q = queue.Queue()
 *
 *   def chef():
 *       for i in range(6):
 *           q.put(f"bun {i}")
 *       print("the chef made 6 buns and waits until they are eaten")
 *       q.join()
 *       print("all buns eaten: the batch is over")
 *
 *   def eater(name):
 *       while True:
 *           bun = q.get()
 *           print(f"{name} eats {bun}")
 *           time.sleep(0.4)
 *           q.task_done()
 *
 *   for name in ("A", "B"):
 *       threading.Thread(target=eater, args=(name,), daemon=True).start()
 *   c = threading.Thread(target=chef)
 *   c.start(); c.join()
 */
import { Thread } from '@conc/process';
import { Queue } from '@conc/queue';
import { label } from '@conc/playground/timeline';

function chef(q: Queue<string>) {
  for (let i = 0; i < 6; i++) q.putSync(`bun ${i}`);
  console.log('the chef made 6 buns and waits until they are eaten');
  q.joinSync();
  console.log('all buns eaten: the batch is over');
}

async function eater(q: Queue<string>, name: string) {
  const { sleepSync } = await import('@conc/playground/timeline');
  for (;;) {
    const bun = q.getSync();
    console.log(`${name} eats ${bun}`);
    sleepSync(400);
    q.taskDone();
  }
}

const q = label(new Queue<string>(), 'buns');
for (const name of ['A', 'B']) new Thread({ target: eater, args: [q, name], name: `eater-${name}`, daemon: true }).start();
const c = new Thread({ target: chef, args: [q], name: 'chef' });
c.start();
await c.join();
