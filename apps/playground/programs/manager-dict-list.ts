/**
 * Manager: a shared dict and list
 *
 * A Manager holds a dict and a list in a server; processes change them through proxies (every
 * proxy method is async). Four processes each add their pid to both. Keys keep their types,
 * as in Python: 1 and '1' are different keys.
 *
 * Python:
 *   from multiprocessing import Process, Manager
 *   import os
 *
 *   def f(d, l):
 *       d[1] = "1"
 *       d["2"] = 2
 *       d[0.25] = None
 *       d[os.getpid()] = os.getpid()
 *       l.append(os.getpid())
 *
 *   if __name__ == "__main__":
 *       with Manager() as manager:
 *           d = manager.dict()
 *           l = manager.list(range(5))
 *           processes = [Process(target=f, args=(d, l)) for _ in range(4)]
 *           for p in processes: p.start()
 *           for p in processes: p.join()
 *           print("dict:", d)
 *           print("list:", l)
 */
import { Process } from '@conc/process';
import { inspect } from 'node:util';
import { Manager, type DictProxy, type ListProxy } from '@conc/manager';

async function f(d: DictProxy, l: ListProxy) {
  await d.set(1, '1');
  await d.set('2', 2);
  await d.set(0.25, null);
  await d.set(process.pid, process.pid);
  await l.append(process.pid);
}

await using manager = await Manager.start();
const d = await manager.dict();
const l = await manager.list([0, 1, 2, 3, 4]);
const processes = [1, 2, 3, 4].map(() => new Process({ target: f, args: [d, l] }));
for (const p of processes) p.start();
for (const p of processes) await p.join();
// One line each, as Python prints them.
console.log('dict:', inspect(await d.copy(), { breakLength: Infinity }));
console.log('list:', `[${(await l.copy()).join(', ')}]`);
