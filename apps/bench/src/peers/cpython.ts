/**
 * CPython peers for the threading, queue, multiprocessing and Manager workloads. Each script
 * asserts its results and prints one figure; the unit is given with each.
 */
import { pythonContender } from '../python.js';
import type { Contender } from '../workload.js';

const scale = (quick: boolean, n: number): number => (quick ? Math.ceil(n / 10) : n);

/** `threading.Lock` acquire+release with an increment inside, uncontended: ns per pair. */
export function cpythonLockUncontended(ops = 1_000_000): Contender {
  return pythonContender(
    'CPython threading.Lock',
    (quick) => `
import threading, time
n = ${scale(quick, ops)}
lock = threading.Lock()
count = 0
start = time.perf_counter()
for _ in range(n):
    lock.acquire(); count += 1; lock.release()
elapsed = time.perf_counter() - start
assert count == n and not lock.locked()
print(elapsed / n * 1e9)
`,
  );
}

/** `threads` threads (default 2) each incrementing a shared counter under one `threading.Lock`: increments per second. */
export function cpythonLockContended(options: { ops?: number; threads?: number } = {}): Contender {
  const { ops = 200_000, threads = 2 } = options;
  return pythonContender(
    `CPython threading.Lock (${threads} threads)`,
    (quick) => `
import threading, time
n, threads = ${scale(quick, ops)}, ${threads}
lock = threading.Lock()
count = [0]
go = threading.Event()
def work():
    go.wait()
    for _ in range(n):
        with lock:
            count[0] += 1
ts = [threading.Thread(target=work) for _ in range(threads)]
for t in ts: t.start()
start = time.perf_counter()
go.set()
for t in ts: t.join()
elapsed = time.perf_counter() - start
assert count[0] == n * threads, count
print(n * threads / elapsed)
`,
  );
}

/** Two `threading.Event`s bouncing between two threads: µs per round trip. */
export function cpythonEventPingPong(trips = 20_000): Contender {
  return pythonContender(
    'CPython threading.Event',
    (quick) => `
import threading, time
n = ${scale(quick, trips)}
ping, pong = threading.Event(), threading.Event()
answered = [0]
def answer():
    for _ in range(n):
        ping.wait(); ping.clear(); answered[0] += 1; pong.set()
t = threading.Thread(target=answer); t.start()
start = time.perf_counter()
for _ in range(n):
    ping.set(); pong.wait(); pong.clear()
elapsed = time.perf_counter() - start
t.join()
assert answered[0] == n, answered
print(elapsed / n * 1e6)
`,
  );
}

/** What a queue peer carries: 64 bytes (`bytes`, the default), or a small dict. */
export type PythonItem = 'bytes64' | 'dict';

const ITEM = {
  bytes64: { make: 'i.to_bytes(8, "little") + bytes(56)', key: 'int.from_bytes(item[:8], "little")' },
  dict: { make: '{"id": i, "name": "item", "value": i * 0.5}', key: 'item["id"]' },
};

/** `queue.Queue` from one thread to another: items per second; checks order and sum. */
export function cpythonQueue(options: { items?: number; item?: PythonItem; maxsize?: number } = {}): Contender {
  const { items = 200_000, item = 'bytes64', maxsize = 0 } = options;
  return pythonContender(
    'CPython queue.Queue',
    (quick) => `
import queue, threading, time
n = ${scale(quick, items)}
q = queue.Queue(${maxsize})
got = [0, 0]
def consume():
    for expected in range(n):
        item = q.get()
        i = ${ITEM[item].key}
        assert i == expected, (i, expected)
        got[0] += 1; got[1] += i
t = threading.Thread(target=consume); t.start()
start = time.perf_counter()
for i in range(n):
    q.put(${ITEM[item].make})
t.join()
elapsed = time.perf_counter() - start
assert got == [n, n * (n - 1) // 2], got
print(n / elapsed)
`,
  );
}

/** `multiprocessing.Queue` from one process to another: items per second; checks order and sum. */
export function cpythonProcessQueue(options: { items?: number; item?: PythonItem } = {}): Contender {
  const { items = 100_000, item = 'dict' } = options;
  return pythonContender(
    'CPython multiprocessing.Queue',
    (quick) => `
import multiprocessing as mp, time
ctx = mp.get_context('fork') if 'fork' in mp.get_all_start_methods() else mp.get_context()
def produce(q, ready, n):
    ready.wait()
    for i in range(n):
        q.put(${ITEM[item].make})
n = ${scale(quick, items)}
q, ready = ctx.Queue(), ctx.Event()
p = ctx.Process(target=produce, args=(q, ready, n)); p.start()
count = total = 0
start = time.perf_counter()
ready.set()
for expected in range(n):
    item = q.get()
    i = ${ITEM[item].key}
    assert i == expected, (i, expected)
    count += 1; total += i
elapsed = time.perf_counter() - start
p.join()
assert count == n and total == n * (n - 1) // 2
print(n / elapsed)
`,
  );
}

/** `multiprocessing.Pipe` ping-pong between two processes: µs per round trip. */
export function cpythonPipePingPong(trips = 20_000): Contender {
  return pythonContender(
    'CPython multiprocessing.Pipe',
    (quick) => `
import multiprocessing as mp, time
ctx = mp.get_context('fork') if 'fork' in mp.get_all_start_methods() else mp.get_context()
def echo(conn, n):
    for _ in range(n):
        conn.send(conn.recv())
n = ${scale(quick, trips)}
a, b = ctx.Pipe()
p = ctx.Process(target=echo, args=(b, n)); p.start()
a.send(-1); assert a.recv() == -1
start = time.perf_counter()
for i in range(n - 1):
    a.send(i)
    assert a.recv() == i
elapsed = time.perf_counter() - start
p.join()
print(elapsed / (n - 1) * 1e6)
`,
  );
}

/**
 * `Manager().dict()` proxy: alternating `d[k] = v` and `d[k]` from a thread of the parent
 * (`'thread'`) or from a child process (`'process'`): operations per second; checks values.
 */
export function cpythonManagerDict(from: 'thread' | 'process', ops = 20_000): Contender {
  return pythonContender(
    `CPython Manager().dict() from a ${from}`,
    (quick) => `
import multiprocessing as mp, threading, time
ctx = mp.get_context('fork') if 'fork' in mp.get_all_start_methods() else mp.get_context()
def work(d, n, out):
    start = time.perf_counter()
    for i in range(n // 2):
        d[i % 100] = i
        assert d[i % 100] == i
    out.put(time.perf_counter() - start)
if __name__ == '__main__':
    n = ${scale(quick, ops)}
    with ctx.Manager() as m:
        d = m.dict()
        out = ctx.Queue()
        runner = ${from === 'thread' ? 'threading.Thread' : 'ctx.Process'}(target=work, args=(d, n, out))
        runner.start(); runner.join()
        elapsed = out.get()
        assert len(d) == min(100, n // 2)
    print((n // 2) * 2 / elapsed)
`,
  );
}
