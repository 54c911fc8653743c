import { expect, test } from 'vitest';
import { Manager, type DictProxy, type ListProxy, type LockProxy, type NamespaceProxy } from '@conc/manager';
import { Process, Thread } from '@conc/process';

// The program of Python's multiprocessing tutorial ("Server process"), with ten processes:
//
//   def f(d, l, i):
//       d[1] = '1'; d['2'] = 2; d[0.25] = None; l.append(i)
//   with Manager() as manager:
//       d = manager.dict(); l = manager.list()
//       ps = [Process(target=f, args=(d, l, i)) for i in range(10)]
//       ...start, join...; print(d); print(l)
test('ten Processes set d[1], d["2"], d[0.25] and append to l; the parent sees it all', async () => {
  await using manager = await Manager.start();
  const d = await manager.dict();
  const l = await manager.list<number>();
  const processes = Array.from({ length: 10 }, (_, i) => new Process({
    target: async (d: DictProxy, l: ListProxy<number>, i: number) => {
      await d.set(1, '1');
      await d.set('2', 2);
      await d.set(0.25, null);
      await l.append(i);
    },
    args: [d, l, i],
  }));
  for (const p of processes) p.start();
  for (const p of processes) await p.join();
  expect(processes.map((p) => p.exitCode)).toEqual(Array(10).fill(0));
  const dict = await d.copy();
  const list = await l.copy();
  console.log(dict);
  console.log(list);
  expect(dict).toEqual(new Map<unknown, unknown>([[1, '1'], ['2', 2], [0.25, null]]));
  expect(list.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('Threads use proxies passed in args: 4 threads x 50 appends, exact', async () => {
  await using manager = await Manager.start();
  const l = await manager.list<string>();
  const threads = Array.from({ length: 4 }, (_, t) => new Thread({
    target: async (l: ListProxy<string>, t: number) => {
      for (let i = 0; i < 50; i++) await l.append(`${t}:${i}`);
    },
    args: [l, t],
  }));
  for (const t of threads) t.start();
  for (const t of threads) await t.join();
  expect(threads.map((t) => t.exception)).toEqual(Array(4).fill(undefined));
  expect(await l.len()).toBe(200);
  expect(new Set(await l.copy()).size).toBe(200);
});

test('a Process connects by address and authkey (Manager.connect) and its dict outlives it', async () => {
  await using manager = await Manager.start({ kind: 'process' });
  const results = await manager.dict<number>();
  const p = new Process({
    target: { module: new URL('./fixtures/connect-target.mjs', import.meta.url) },
    args: [manager.address, manager.authkey, results],
  });
  p.start();
  await p.join();
  expect(p.exitCode).toBe(0);
  expect(await results.get('value')).toBe(42);
});

test('4 Processes x 25 increments under a manager lock: exact count', async () => {
  await using manager = await Manager.start();
  const lock = await manager.lock();
  const ns = await manager.namespace({ n: 0 });
  const processes = Array.from({ length: 4 }, () => new Process({
    target: async (lock: LockProxy, ns: NamespaceProxy) => {
      for (let i = 0; i < 25; i++) {
        await lock.acquire();
        const n = (await ns.get('n')) as number;
        await ns.set('n', n + 1);
        await lock.release();
      }
    },
    args: [lock, ns],
  }));
  for (const p of processes) p.start();
  for (const p of processes) await p.join();
  expect(processes.map((p) => p.exitCode)).toEqual([0, 0, 0, 0]);
  expect(await ns.get('n')).toBe(100);
});

test('a Process killed while holding a manager lock has it released (the proxy reached it directly)', async () => {
  await using manager = await Manager.start();
  const lock = await manager.lock();
  const held = await manager.event();
  const p = new Process({
    target: async (lock: LockProxy, held: { set(): Promise<void> }) => {
      await lock.acquire();
      await held.set();
      await new Promise(() => setInterval(() => {}, 1000));
    },
    args: [lock, held],
  });
  p.start();
  expect(await held.wait(30_000)).toBe(true);
  expect(await lock.acquire(0)).toBe(false);
  const waiting = lock.acquire(30_000);
  p.kill();
  await p.join();
  expect(p.exitCode).toBe(-9);
  expect(await waiting).toBe(true);
  await lock.release();
});
