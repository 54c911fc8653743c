/**
 * Threads by subclass
 *
 * A class extends Thread and overrides run(); its own data fields travel with it and are
 * `this` inside run(), which runs on a worker thread (so it must be self-contained).
 *
 * Python:
 *   import threading, time
 *
 *   class MyThread(threading.Thread):
 *       def __init__(self, n):
 *           super().__init__()
 *           self.n = n
 *
 *       def run(self):
 *           print("running task", self.n)
 *           time.sleep(1)
 *           print("task", self.n, "done")
 *
 *   t1 = MyThread("t1"); t2 = MyThread("t2")
 *   t1.start(); t2.start()
 *   t1.join(); t2.join()
 */
import { Thread } from '@conc/process';

class MyThread extends Thread {
  n: string;

  constructor(n: string) {
    super();
    this.n = n;
  }

  override async run() {
    const { sleep } = await import('@conc/playground/timeline');
    console.log('running task', this.n);
    await sleep(1000);
    console.log('task', this.n, 'done');
  }
}

const t1 = new MyThread('t1');
const t2 = new MyThread('t2');
t1.start();
t2.start();
await t1.join();
await t2.join();
console.log(`${t1.name} and ${t2.name} ended`);
