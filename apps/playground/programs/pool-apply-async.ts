/**
 * Pool: applyAsync with a callback
 *
 * A pool of three worker processes runs ten tasks; each task's result is handed to a callback
 * in the main process as soon as it is ready. close() takes no more tasks, join() waits for
 * the ones submitted. Three run at a time: the timeline shows each worker's tasks.
 *
 * Python:
 *   from multiprocessing import Pool
 *   import time, os
 *
 *   def foo(i):
 *       time.sleep(0.5)
 *       print("in process", os.getpid())
 *       return i + 100
 *
 *   def bar(arg):
 *       print("-->exec done:", arg, os.getpid())
 *
 *   if __name__ == "__main__":
 *       pool = Pool(processes=3)
 *       print("main process", os.getpid())
 *       for i in range(10):
 *           pool.apply_async(func=foo, args=(i,), callback=bar)
 *       pool.close()
 *       pool.join()
 *       print("end")
 */
import { Pool } from '@conc/pool';

async function foo(i: number) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  console.log('in process', process.pid);
  return i + 100;
}

function bar(arg: number) {
  console.log('-->exec done:', arg, process.pid);
}

const pool = new Pool({ processes: 3, kind: 'process' });
console.log('main process', process.pid);
for (let i = 0; i < 10; i++) pool.applyAsync(foo, [i], { callback: bar });
pool.close();
await pool.join();
console.log('end');
