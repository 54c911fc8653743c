/**
 * Timer: run once, later
 *
 * A Timer is a thread that waits for its interval and then runs its function; cancel() before
 * then and it never runs. One timer fires after a second, the other is cancelled.
 *
 * Python:
 *   import threading
 *
 *   def hello(who):
 *       print("hello,", who)
 *
 *   t = threading.Timer(1.0, hello, args=("world",))
 *   t.start()
 *   never = threading.Timer(1.0, hello, args=("nobody",))
 *   never.start()
 *   never.cancel()
 *   t.join()
 *   print("the timer fired; the cancelled one did not")
 */
import { Timer } from '@conc/process';

function hello(who: string) {
  console.log('hello,', who);
}

const t = new Timer(1000, hello, ['world']);
t.start();
const never = new Timer(1000, hello, ['nobody']);
never.start();
never.cancel();
await t.join();
await never.join();
console.log('the timer fired; the cancelled one did not');
