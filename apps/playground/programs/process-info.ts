/**
 * Process and process information
 *
 * A Process runs its target in a separate OS process (Node's child_process): its own pid, its
 * parent the main process. Both sides print who they are.
 *
 * Python:
 *   from multiprocessing import Process, current_process
 *   import os
 *
 *   def info(title):
 *       print(title)
 *       print("process name:", current_process().name)
 *       print("parent process:", os.getppid())
 *       print("process id:", os.getpid())
 *
 *   def f(name):
 *       info("function f")
 *       print("hello", name)
 *
 *   if __name__ == "__main__":
 *       info("main line")
 *       p = Process(target=f, args=("bob",))
 *       p.start()
 *       p.join()
 *       print("the child", p.pid, "exited with", p.exitcode)
 */
import { Process, currentProcess } from '@conc/process';

function info(title: string, processName: string) {
  console.log(title);
  console.log('process name:', processName);
  console.log('parent process:', process.ppid);
  console.log('process id:', process.pid);
}

async function f(name: string) {
  // A target is self-contained: it brings what it needs.
  const { currentProcess } = await import('@conc/process');
  console.log('function f');
  console.log('process name:', currentProcess().name);
  console.log('parent process:', process.ppid);
  console.log('process id:', process.pid);
  console.log('hello', name);
}

info('main line', currentProcess().name);
const p = new Process({ target: f, args: ['bob'] });
p.start();
await p.join();
console.log('the child', p.pid, 'exited with', p.exitCode);
