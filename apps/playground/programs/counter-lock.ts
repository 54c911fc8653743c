/**
 * The locked counter
 *
 * The same four threads, but each read-add-write happens while holding a Lock, so no update
 * is lost: the total is exact every time. The timeline shows the lock changing hands.
 *
 * Python:
 *   import threading
 *
 *   num = 0
 *   lock = threading.Lock()
 *
 *   def add(times):
 *       global num
 *       for _ in range(times):
 *           lock.acquire()
 *           num += 1
 *           lock.release()
 *
 *   threads = [threading.Thread(target=add, args=(2_000,)) for _ in range(4)]
 *   for t in threads: t.start()
 *   for t in threads: t.join()
 *   print("expected", 4 * 2_000, "got", num)
 */
import { Thread } from '@conc/process';
import { Lock, Value } from '@conc/sync';
import { label } from '@conc/playground/timeline';

function add(counter: Value<'i32'>, lock: Lock, times: number) {
  for (let i = 0; i < times; i++) {
    lock.acquireSync();
    counter.value += 1;
    lock.release();
  }
}

const times = 2_000;
const counter = new Value('i32', 0, { lock: false });
const lock = label(new Lock(), 'counter');
const threads = [1, 2, 3, 4].map(() => new Thread({ target: add, args: [counter, lock, times] }));
for (const t of threads) t.start();
for (const t of threads) await t.join();
console.log(`expected ${4 * times}, got ${counter.value}`);
