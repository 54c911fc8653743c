/**
 * RLock: a lock its owner can take again
 *
 * `both` holds the RLock and calls `first` and `second`, which take the same lock again: with
 * a plain Lock the thread would wait for itself forever; an RLock counts its owner's
 * acquisitions and is free once each was released. Three threads do this in turn.
 *
 * Python:
 *   import threading
 *
 *   num, num2 = 0, 0
 *   lock = threading.RLock()
 *
 *   def first():
 *       global num
 *       with lock:
 *           num += 1
 *           return num
 *
 *   def second():
 *       global num2
 *       with lock:
 *           num2 += 1
 *           return num2
 *
 *   def both():
 *       with lock:
 *           res = first()
 *           print("between first and second")
 *           res2 = second()
 *           print(res, res2)
 *
 *   threads = [threading.Thread(target=both) for _ in range(3)]
 *   for t in threads: t.start()
 *   for t in threads: t.join()
 *   print("num", num, "num2", num2)
 */
import { Thread } from '@conc/process';
import { RLock, SharedArray } from '@conc/sync';
import { label } from '@conc/playground/timeline';

// A thread target must be self-contained, so the helpers live inside it.
function both(lock: RLock, nums: SharedArray<'i32'>) {
  const first = () => {
    lock.acquireSync();
    nums.set(0, nums.get(0) + 1);
    const res = nums.get(0);
    lock.release();
    return res;
  };
  const second = () => {
    lock.acquireSync();
    nums.set(1, nums.get(1) + 1);
    const res = nums.get(1);
    lock.release();
    return res;
  };
  lock.acquireSync();
  const res = first();
  console.log('between first and second');
  const res2 = second();
  console.log(res, res2);
  lock.release();
}

const lock = label(new RLock(), 'nums');
const nums = new SharedArray('i32', 2, { lock: false });
const threads = [1, 2, 3].map(() => new Thread({ target: both, args: [lock, nums] }));
for (const t of threads) t.start();
for (const t of threads) await t.join();
console.log('num', nums.get(0), 'num2', nums.get(1));
