/**
 * Queue between processes
 *
 * The same Queue class works between processes: the child puts a list on it, the parent gets
 * it. (Python has queue.Queue for threads and multiprocessing.Queue for processes; @conc has
 * one Queue for both.)
 *
 * Python:
 *   from multiprocessing import Process, Queue
 *
 *   def f(q):
 *       q.put([42, None, "hello"])
 *
 *   if __name__ == "__main__":
 *       q = Queue()
 *       p = Process(target=f, args=(q,))
 *       p.start()
 *       print("got from the child:", q.get())
 *       p.join()
 */
import { Process } from '@conc/process';
import { Queue } from '@conc/queue';
import { label } from '@conc/playground/timeline';

function f(q: Queue<unknown[]>) {
  q.putSync([42, null, 'hello']);
}

const q = label(new Queue<unknown[]>(), 'results');
const p = new Process({ target: f, args: [q] });
p.start();
console.log('got from the child:', await q.get());
await p.join();
