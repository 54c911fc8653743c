/**
 * @conc/sync against the raw Atomics floors, async-mutex and CPython's threading: the
 * uncontended lock (sync and async forms), two threads contending for one lock, and an
 * Event ping-pong between two threads.
 */
import { Mutex } from 'async-mutex';
import { prepare } from '@conc/core/internal';
import { Event, Lock, Value } from '@conc/sync';
import { atomicsPingPong, casLockContended, casLockUncontended } from '../floors/index.js';
import { cpythonEventPingPong } from '../peers/index.js';
import { pythonContender } from '../python.js';
import { moduleUrl, runGated, type WorkerContext } from '../worker.js';
import type { Contender, Workload } from '../workload.js';

const UNCONTENDED_OPS = 3_000_000;
const ASYNC_OPS = 1_000_000;

function uncontendedSync(): Contender {
  return {
    name: '@conc Lock.acquireSync+release',
    role: 'ours',
    async run(quick) {
      const n = quick ? UNCONTENDED_OPS / 10 : UNCONTENDED_OPS;
      const lock = new Lock();
      let counter = 0;
      const start = performance.now();
      for (let k = 0; k < n; k++) {
        lock.acquireSync();
        counter++;
        lock.release();
      }
      const ns = ((performance.now() - start) * 1e6) / n;
      if (counter !== n || lock.locked()) throw new Error(`counter ${counter} of ${n}, locked ${lock.locked()}`);
      return ns;
    },
  };
}

function uncontendedAsync(): Contender {
  return {
    name: '@conc Lock.acquire (async)+release',
    role: 'ours',
    async run(quick) {
      const n = quick ? ASYNC_OPS / 10 : ASYNC_OPS;
      const lock = new Lock();
      let counter = 0;
      const start = performance.now();
      for (let k = 0; k < n; k++) {
        await lock.acquire();
        counter++;
        lock.release();
      }
      const ns = ((performance.now() - start) * 1e6) / n;
      if (counter !== n || lock.locked()) throw new Error(`counter ${counter} of ${n}, locked ${lock.locked()}`);
      return ns;
    },
  };
}

function asyncMutex(): Contender {
  return {
    name: 'async-mutex Mutex.acquire+release',
    role: 'peer',
    async run(quick) {
      const n = quick ? ASYNC_OPS / 10 : ASYNC_OPS;
      const mutex = new Mutex();
      let counter = 0;
      const start = performance.now();
      for (let k = 0; k < n; k++) {
        const release = await mutex.acquire();
        counter++;
        release();
      }
      const ns = ((performance.now() - start) * 1e6) / n;
      if (counter !== n || mutex.isLocked()) throw new Error(`counter ${counter} of ${n}`);
      return ns;
    },
  };
}

const pythonUncontended = pythonContender(
  'CPython threading.Lock',
  (quick) => `
import threading, time
n = ${quick ? 300_000 : 3_000_000}
lock = threading.Lock()
acquire, release = lock.acquire, lock.release
counter = 0
start = time.perf_counter()
for _ in range(n):
    acquire(); counter += 1; release()
elapsed = time.perf_counter() - start
assert counter == n and not lock.locked()
print(elapsed / n * 1e9)
`,
);

interface ContendedData {
  core: string;
  sync: string;
  shared: unknown;
  n: number;
}

async function contendedWorker(context: WorkerContext<ContendedData>): Promise<number> {
  const { reviveSync } = (await context.load(context.data.core)) as typeof import('@conc/core/internal');
  await context.load(context.data.sync);
  const { lock, counter } = reviveSync(context.data.shared) as { lock: Lock; counter: Int32Array };
  const n = context.data.n;
  context.ready();
  for (let k = 0; k < n; k++) {
    lock.acquireSync();
    // A plain read-modify-write: only the lock makes it exact.
    counter[16] = counter[16]! + 1;
    lock.release();
  }
  return n;
}

interface ValueData {
  core: string;
  sync: string;
  shared: unknown;
  n: number;
}

// The tutorial's counter: `counter.value += 1` under the lock, the Value made with { lock: false }.
async function valueWorker(context: WorkerContext<ValueData>): Promise<number> {
  const { reviveSync } = (await context.load(context.data.core)) as typeof import('@conc/core/internal');
  await context.load(context.data.sync);
  const { lock, counter } = reviveSync(context.data.shared) as { lock: Lock; counter: Value<'i32'> };
  const n = context.data.n;
  context.ready();
  for (let k = 0; k < n; k++) {
    lock.acquireSync();
    counter.value += 1;
    lock.release();
  }
  return n;
}

function contendedValue(): Contender {
  return {
    name: '@conc Lock + Value, 2 threads',
    role: 'ours',
    async run(quick) {
      const n = quick ? 50_000 : 500_000;
      const lock = new Lock();
      const counter = new Value('i32', 0, { lock: false });
      const data = { core: moduleUrl('@conc/core/internal'), sync: moduleUrl('@conc/sync'), shared: prepare({ lock, counter }).value, n };
      const { ms } = await runGated([
        [valueWorker, data],
        [valueWorker, data],
      ]);
      if (counter.value !== 2 * n || lock.locked()) throw new Error(`counter ${counter.value} of ${2 * n}, locked ${lock.locked()}`);
      return (2 * n) / (ms / 1000);
    },
  };
}

/** The same lock around a plain `Int32Array` counter: what the `Value` access is measured against. */
function contendedPlain(): Contender {
  return { ...contended(), name: '@conc Lock + plain Int32Array, 2 threads', role: 'floor' };
}

function contended(): Contender {
  return {
    name: '@conc Lock, 2 threads',
    role: 'ours',
    async run(quick) {
      const n = quick ? 50_000 : 500_000;
      const lock = new Lock();
      const counter = new Int32Array(new SharedArrayBuffer(128));
      const data = { core: moduleUrl('@conc/core/internal'), sync: moduleUrl('@conc/sync'), shared: prepare({ lock, counter }).value, n };
      const { ms } = await runGated([
        [contendedWorker, data],
        [contendedWorker, data],
      ]);
      if (counter[16] !== 2 * n || lock.locked()) throw new Error(`counter ${counter[16]} of ${2 * n}, locked ${lock.locked()}`);
      return (2 * n) / (ms / 1000);
    },
  };
}

const pythonContended = pythonContender(
  'CPython threading.Lock, 2 threads',
  (quick) => `
import threading, time
n = ${quick ? 50_000 : 500_000}
lock = threading.Lock()
counter = [0]
def work():
    acquire, release = lock.acquire, lock.release
    for _ in range(n):
        acquire(); counter[0] += 1; release()
threads = [threading.Thread(target=work) for _ in range(2)]
start = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
elapsed = time.perf_counter() - start
assert counter[0] == 2 * n, counter
print(2 * n / elapsed)
`,
);

interface PingData {
  core: string;
  sync: string;
  shared: unknown;
  n: number;
  side: number;
}

// As the CPython peer: side 0 sets ping and waits for pong; side 1 waits for ping, clears it,
// counts and sets pong.
async function eventWorker(context: WorkerContext<PingData>): Promise<number> {
  const { reviveSync } = (await context.load(context.data.core)) as typeof import('@conc/core/internal');
  await context.load(context.data.sync);
  const { ping, pong, answered } = reviveSync(context.data.shared) as { ping: Event; pong: Event; answered: Int32Array };
  const { n, side } = context.data;
  context.ready();
  for (let i = 0; i < n; i++) {
    if (side === 0) {
      ping.set();
      pong.waitSync();
      pong.clear();
    } else {
      ping.waitSync();
      ping.clear();
      answered[0]!++;
      pong.set();
    }
  }
  return n;
}

function eventPingPong(): Contender {
  return {
    name: '@conc Event.waitSync/set',
    role: 'ours',
    async run(quick) {
      const n = quick ? 2_000 : 20_000;
      const answered = new Int32Array(new SharedArrayBuffer(8));
      const shared = prepare({ ping: new Event(), pong: new Event(), answered }).value;
      const base = { core: moduleUrl('@conc/core/internal'), sync: moduleUrl('@conc/sync'), shared, n };
      const { ms, results } = await runGated([
        [eventWorker, { ...base, side: 0 }],
        [eventWorker, { ...base, side: 1 }],
      ]);
      if (answered[0] !== n || results.some((r) => r !== n)) throw new Error(`answered ${answered[0]} of ${n}`);
      return (ms * 1000) / n;
    },
  };
}


/** The floor reports ns per critical section; this workload counts increments per second. */
function perSecond(floor: Contender): Contender {
  return { ...floor, run: async (quick) => 1e9 / (await floor.run(quick)) };
}

export const workloads: Workload[] = [
  {
    id: 'sync/uncontended-lock',
    title: 'Uncontended Lock: acquireSync + increment + release on one thread',
    unit: 'ns/op',
    better: 'lower',
    contenders: [uncontendedSync(), casLockUncontended(), pythonUncontended, asyncMutex()],
    targets: [{ against: 'raw Atomics CAS lock', ratio: 2, note: 'issue 3: the uncontended sync path within 2x of the raw CAS lock' }],
  },
  {
    id: 'sync/uncontended-lock-async',
    title: 'Uncontended Lock, async form: await acquire + increment + release',
    unit: 'ns/op',
    better: 'lower',
    contenders: [uncontendedAsync(), asyncMutex(), casLockUncontended(), pythonUncontended],
  },
  {
    id: 'sync/contended-lock-value',
    title: "The tutorial's counter: 2 threads lock / counter.value += 1 / unlock, Value('i32', 0, { lock: false }) (increments/s, both threads together)",
    unit: 'increments/s',
    better: 'higher',
    contenders: [contendedValue(), contendedPlain(), perSecond(casLockContended({ name: 'raw futex mutex + plain Int32 counter' }))],
    targets: [
      { against: 'raw futex mutex + plain Int32 counter', ratio: 0.6, note: 'issue 18: contended Lock + Value at least 0.6x the raw futex mutex with a plain counter in the same SAB' },
      { against: '@conc Lock + plain Int32Array', ratio: 1 / 1.5, note: 'issue 18: Value get/set within 1.5x of a plain Int32Array access behind the same lock' },
    ],
  },
  {
    id: 'sync/contended-lock',
    title: 'Contended Lock: 2 threads lock / increment / unlock (increments per second, both threads together)',
    unit: 'increments/s',
    better: 'higher',
    contenders: [contended(), perSecond(casLockContended()), pythonContended],
    targets: [{ against: 'CPython threading.Lock, 2 threads', ratio: 2, note: "issue 3: contended throughput at least 2x CPython's" }],
  },
  {
    id: 'sync/event-ping-pong',
    title: 'Event ping-pong between two threads (round trip)',
    unit: 'µs',
    better: 'lower',
    contenders: [eventPingPong(), atomicsPingPong(), cpythonEventPingPong()],
    targets: [{ against: 'CPython threading.Event', ratio: 0.5, note: "issue 3: the round trip at most half CPython's" }],
  },
];
