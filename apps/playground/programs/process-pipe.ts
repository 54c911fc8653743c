/**
 * Pipe between processes
 *
 * Pipe() returns two connected ends; the child gets one, the parent keeps the other, and each
 * side sends and receives.
 *
 * Python:
 *   from multiprocessing import Process, Pipe
 *
 *   def f(conn):
 *       conn.send("hello from child")
 *       print("child received:", conn.recv())
 *       conn.close()
 *
 *   if __name__ == "__main__":
 *       parent_conn, child_conn = Pipe()
 *       p = Process(target=f, args=(child_conn,))
 *       p.start()
 *       print("parent received:", parent_conn.recv())
 *       parent_conn.send("hello from parent")
 *       p.join()
 */
import { Process } from '@conc/process';
import { Pipe, type Connection } from '@conc/queue';
import { label } from '@conc/playground/timeline';

async function f(conn: Connection) {
  conn.send('hello from child');
  console.log('child received:', await conn.recv());
  conn.close();
}

const [parentConn, childConn] = Pipe();
label(parentConn, 'parent end');
label(childConn, 'child end');
const p = new Process({ target: f, args: [childConn] });
p.start();
console.log('parent received:', await parentConn.recv());
parentConn.send('hello from parent');
await p.join();
