/**
 * The unsynchronised counter
 *
 * Four threads add 1 to one shared counter 200,000 times each. `counter.value += 1` is a
 * read, an add and a write: two threads that read the same value both write value + 1, and
 * one of the additions is lost. The total comes out short (Python's `num += 1` loses updates
 * the same way; how many depends on the scheduler).
 *
 * Python:
 *   import threading
 *
 *   num = 0
 *
 *   def add(times):
 *       global num
 *       for _ in range(times):
 *           num += 1
 *
 *   threads = [threading.Thread(target=add, args=(200_000,)) for _ in range(4)]
 *   for t in threads: t.start()
 *   for t in threads: t.join()
 *   print("expected", 4 * 200_000, "got", num)
 */
import { Thread } from '@conc/process';
import { Value } from '@conc/sync';

function add(counter: Value<'i32'>, times: number) {
  for (let i = 0; i < times; i++) counter.value += 1;
}

const times = 200_000;
// No lock at all (Python's Value(..., lock=False), or a plain global under threading).
const counter = new Value('i32', 0, { lock: false });
const threads = [1, 2, 3, 4].map(() => new Thread({ target: add, args: [counter, times] }));
for (const t of threads) t.start();
for (const t of threads) await t.join();
const expected = 4 * times;
console.log(`expected ${expected}, got ${counter.value}: ${expected - counter.value} updates lost`);
