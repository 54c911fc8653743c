/**
 * A Lock across processes
 *
 * Five processes print while holding one Lock, so their lines never mix. The lock lives in
 * the parent's shared memory; the children use it through the parent.
 *
 * Python:
 *   from multiprocessing import Process, Lock
 *
 *   def f(l, i):
 *       l.acquire()
 *       try:
 *           print("hello world", i)
 *       finally:
 *           l.release()
 *
 *   if __name__ == "__main__":
 *       lock = Lock()
 *       processes = [Process(target=f, args=(lock, num)) for num in range(5)]
 *       for p in processes: p.start()
 *       for p in processes: p.join()
 */
import { Process } from '@conc/process';
import { Lock } from '@conc/sync';
import { label } from '@conc/playground/timeline';

async function f(l: Lock, i: number) {
  await l.acquire();
  try {
    console.log('hello world', i);
  } finally {
    l.release();
  }
}

const lock = label(new Lock(), 'print');
const processes = [0, 1, 2, 3, 4].map((num) => new Process({ target: f, args: [lock, num] }));
for (const p of processes) p.start();
for (const p of processes) await p.join();
