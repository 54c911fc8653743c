/**
 * Queue: producer and consumers
 *
 * A producer thread puts bones on a bounded Queue faster than two dogs (consumer threads) can
 * eat them: when the queue is full the producer waits for room, when it is empty a dog waits
 * for a bone. `shutdown()` tells the dogs that no more bones will come.
 *
 * Python:
 *   import threading, queue, time
 *
 *   q = queue.Queue(maxsize=3)
 *
 *   def producer(name):
 *       for count in range(1, 9):
 *           q.put(f"bone {count}")
 *           print(f"{name} produced bone {count}")
 *           time.sleep(0.1)
 *       q.shutdown()
 *
 *   def consumer(name):
 *       try:
 *           while True:
 *               bone = q.get()
 *               print(f"[{name}] got [{bone}] and ate it...")
 *               time.sleep(0.5)
 *       except queue.ShutDown:
 *           print(f"[{name}] no more bones")
 *
 *   threading.Thread(target=producer, args=("Alex",)).start()
 *   threading.Thread(target=consumer, args=("Chengronghua",)).start()
 *   threading.Thread(target=consumer, args=("Wangsen",)).start()
 */
import { Thread } from '@conc/process';
import { Queue } from '@conc/queue';
import { label } from '@conc/playground/timeline';

async function producer(q: Queue<string>, name: string) {
  const { sleepSync } = await import('@conc/playground/timeline');
  for (let count = 1; count <= 8; count++) {
    q.putSync(`bone ${count}`);
    console.log(`${name} produced bone ${count}`);
    sleepSync(100);
  }
  q.shutdown();
}

async function consumer(q: Queue<string>, name: string) {
  const { sleepSync } = await import('@conc/playground/timeline');
  const { ShutDownError } = await import('@conc/queue');
  try {
    for (;;) {
      const bone = q.getSync();
      console.log(`[${name}] got [${bone}] and ate it...`);
      sleepSync(500);
    }
  } catch (error) {
    if (!(error instanceof ShutDownError)) throw error;
    console.log(`[${name}] no more bones`);
  }
}

const q = label(new Queue<string>(3), 'bones');
const threads = [
  new Thread({ target: producer, args: [q, 'Alex'], name: 'producer' }),
  new Thread({ target: consumer, args: [q, 'Chengronghua'], name: 'dog-1' }),
  new Thread({ target: consumer, args: [q, 'Wangsen'], name: 'dog-2' }),
];
for (const t of threads) t.start();
for (const t of threads) await t.join();
