/**
 * @conc/redis's Pool against raw BullMQ (`Queue.add` + a `Worker`, results through
 * `QueueEvents`) on the same redis-server, each served by 2 worker processes of its own
 * (`conc-worker --processes 1` for ours, a BullMQ `Worker` for raw): what the Pool adds to, or
 * saves over, BullMQ for the same work. A redis-server is started on a free loopback port
 * (once per bench run); without redis-server the contenders are skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Pool } from '@conc/pool';
import { RedisBackend } from '@conc/redis';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { redisMissing as missing, redisUrl } from '../redis-server.js';
import type { Contender, Workload } from '../workload.js';

const WORKERS = 2;
const concWorkerBin = fileURLToPath(new URL('./conc-worker.js', import.meta.resolve('@conc/redis')));
const rawWorkerFile = fileURLToPath(new URL('../fixtures/bullmq-worker.mjs', import.meta.url));
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Starts a worker process and resolves once it says it serves. */
async function startProcess(args: string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/ready|serving queue/.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output}`)));
  });
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

const ourWorkers = (url: string, name: string, env?: Record<string, string>): Promise<ChildProcess> =>
  startProcess([concWorkerBin, '--url', url, '--prefix', 'bench', '--name', name, '--processes', '1', '--allow-source'], env);
const rawWorker = (url: string, name: string, stalledInterval = 30_000, env?: Record<string, string>): Promise<ChildProcess> =>
  startProcess([rawWorkerFile, url, name, '2', String(stalledInterval)], env);

/** Worker processes kept for the whole run, per queue (throughput workloads reuse them). */
const kept = new Map<string, Promise<ChildProcess[]>>();
function keptWorkers(name: string, start: (url: string) => Promise<ChildProcess>): Promise<ChildProcess[]> {
  let found = kept.get(name);
  if (!found) {
    found = redisUrl().then((url) => Promise.all(Array.from({ length: WORKERS }, () => start(url))));
    kept.set(name, found);
  }
  return found;
}

/**
 * Raw BullMQ as its guide shows it: `Queue.add`, then `job.waitUntilFinished(queueEvents)` for
 * one result. `QueueEvents` starts reading its stream at `$` only once its first XREAD is sent,
 * some time after `waitUntilReady()`: a job finishing in between is neither seen by that read nor
 * (if it finished after waitUntilFinished's own check) by the check, and its wait never ends. So
 * the events are read from the stream's last entry as it was before anything was added.
 * For thousands at once, waiting on events is not reliable (10k waitUntilFinished listeners
 * each see every event; a capped event stream drops some, BullMQ #2517): the queue's count of
 * completed jobs is polled until all are done, and their values read from the kept records
 * afterwards.
 */
class RawClient {
  readonly queue: Queue;
  private events: QueueEvents | undefined;
  private readonly connection: Redis;

  constructor(
    private readonly url: string,
    private readonly name: string,
  ) {
    this.connection = new Redis(url);
    this.queue = new Queue(name, { connection: this.connection });
  }

  async ready(): Promise<void> {
    const last = await this.connection.xrevrange(`bull:${this.name}:events`, '+', '-', 'COUNT', 1);
    const lastEventId = last[0]?.[0] ?? '0-0';
    this.events = new QueueEvents(this.name, { lastEventId, connection: new Redis(this.url, { maxRetriesPerRequest: null }) });
    await this.events.waitUntilReady();
  }

  async add(data: object): Promise<unknown> {
    const job = await this.queue.add('t', data);
    return job.waitUntilFinished(this.events!);
  }

  /** Adds every item as a job and waits for all: the milliseconds that took, then the values. */
  async addAll(items: object[]): Promise<{ ms: number; values: unknown[] }> {
    const before = await this.queue.getCompletedCount();
    const start = performance.now();
    const jobs = await this.queue.addBulk(items.map((data) => ({ name: 't', data })));
    const deadline = Date.now() + 100_000;
    for (let done = 0; done < items.length; done = (await this.queue.getCompletedCount()) - before) {
      if (Date.now() > deadline) throw new Error(`${done} of ${items.length} jobs completed in 100 s`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const ms = performance.now() - start;
    const values = await Promise.all(jobs.map(async (job) => (await Job.fromId(this.queue, job.id!))?.returnvalue));
    return { ms, values };
  }

  async close(): Promise<void> {
    await this.events?.close();
    await this.queue.close();
  }
}

async function withPool<T>(name: string, use: (pool: Pool) => Promise<T>, options: Record<string, unknown> = {}): Promise<T> {
  const backend = new RedisBackend({ url: await redisUrl(), prefix: 'bench' });
  const pool = new Pool({ backend, name, processes: 0, ...options });
  try {
    return await use(pool);
  } finally {
    await pool.terminate();
    await backend.close();
  }
}

async function withRaw<T>(name: string, use: (raw: RawClient) => Promise<T>): Promise<T> {
  const raw = new RawClient(await redisUrl(), name);
  try {
    await raw.ready();
    return await use(raw);
  } finally {
    await raw.close();
  }
}

function checkSequence(values: unknown[], what: string): void {
  for (let i = 0; i < values.length; i++) if (values[i] !== i + 1) throw new Error(`${what}: item ${i} is ${String(values[i])}, not ${i + 1}`);
}

// ---- apply, one at a time --------------------------------------------------------------------

const applyCount = (quick: boolean): number => (quick ? 100 : 500);

const oursApply: Contender = {
  name: '@conc/redis Pool.apply',
  role: 'ours',
  unavailable: missing,
  async run(quick) {
    await keptWorkers('apply-ours', (url) => ourWorkers(url, 'apply-ours'));
    return withPool('apply-ours', async (pool) => {
      const addOne = (x: number): number => x + 1;
      for (let i = 0; i < 20; i++) await pool.apply(addOne, [i]);
      const n = applyCount(quick);
      const start = performance.now();
      for (let i = 0; i < n; i++) if ((await pool.apply(addOne, [i])) !== i + 1) throw new Error('wrong value');
      return n / ((performance.now() - start) / 1000);
    });
  },
};

const rawApply: Contender = {
  name: 'raw BullMQ add + Worker',
  role: 'floor',
  unavailable: missing,
  async run(quick) {
    await keptWorkers('apply-raw', (url) => rawWorker(url, 'apply-raw'));
    return withRaw('apply-raw', async (raw) => {
      for (let i = 0; i < 20; i++) await raw.add({ x: i });
      const n = applyCount(quick);
      const start = performance.now();
      for (let i = 0; i < n; i++) if ((await raw.add({ x: i })) !== i + 1) throw new Error('wrong value');
      return n / ((performance.now() - start) / 1000);
    });
  },
};

// ---- applyAsync, 10k at once -----------------------------------------------------------------

const atOnceCount = (quick: boolean): number => (quick ? 2_000 : 10_000);

const oursAtOnce: Contender = {
  name: '@conc/redis Pool.applyAsync',
  role: 'ours',
  unavailable: missing,
  async run(quick) {
    await keptWorkers('at-once-ours', (url) => ourWorkers(url, 'at-once-ours'));
    return withPool('at-once-ours', async (pool) => {
      const addOne = (x: number): number => x + 1;
      await pool.apply(addOne, [0]);
      const n = atOnceCount(quick);
      const start = performance.now();
      const results = Array.from({ length: n }, (_, i) => pool.applyAsync(addOne, [i]));
      const values = await Promise.all(results);
      const rate = n / ((performance.now() - start) / 1000);
      checkSequence(values, 'applyAsync');
      return rate;
    });
  },
};

const rawAtOnce: Contender = {
  name: 'raw BullMQ addBulk + Worker',
  role: 'floor',
  unavailable: missing,
  async run(quick) {
    await keptWorkers('at-once-raw', (url) => rawWorker(url, 'at-once-raw'));
    return withRaw('at-once-raw', async (raw) => {
      await raw.add({ x: 0 });
      const n = atOnceCount(quick);
      const { ms, values } = await raw.addAll(Array.from({ length: n }, (_, i) => ({ x: i })));
      checkSequence(values, 'addBulk');
      return n / (ms / 1000);
    });
  },
};

// ---- map of 100k tiny tasks ------------------------------------------------------------------

const mapCount = (quick: boolean): number => (quick ? 20_000 : 100_000);
const rawMapCount = (quick: boolean): number => (quick ? 2_000 : 10_000);

const oursMap: Contender = {
  name: '@conc/redis Pool.map',
  role: 'ours',
  unavailable: missing,
  async run(quick) {
    await keptWorkers('map-ours', (url) => ourWorkers(url, 'map-ours'));
    return withPool('map-ours', async (pool) => {
      const addOne = (x: number): number => x + 1;
      await pool.map(addOne, [1, 2, 3]);
      const n = mapCount(quick);
      const items = Array.from({ length: n }, (_, i) => i);
      const start = performance.now();
      const values = await pool.map(addOne, items);
      const rate = n / ((performance.now() - start) / 1000);
      checkSequence(values, 'map');
      return rate;
    });
  },
};

const rawMap: Contender = {
  name: `raw BullMQ one job per item (${rawMapCount(false) / 1000}k items)`,
  role: 'floor',
  unavailable: missing,
  async run(quick) {
    await keptWorkers('at-once-raw', (url) => rawWorker(url, 'at-once-raw'));
    return withRaw('at-once-raw', async (raw) => {
      await raw.add({ x: 0 });
      const n = rawMapCount(quick);
      const { ms, values } = await raw.addAll(Array.from({ length: n }, (_, i) => ({ x: i })));
      checkSequence(values, 'one job per item');
      return n / (ms / 1000);
    });
  },
};

// ---- recovery of a SIGKILLed worker's task ---------------------------------------------------

const STALLED_INTERVAL = 1000;
let recoveries = 0;

/** Milliseconds from the SIGKILL of the worker running a task to its result, run again elsewhere. */
async function recovery(start: (url: string, name: string, env?: Record<string, string>) => Promise<ChildProcess>, submit: (name: string) => Promise<{ result: Promise<unknown>; active: () => Promise<boolean>; done: () => Promise<void> }>): Promise<number> {
  const url = await redisUrl();
  const name = `recovery-${++recoveries}`;
  // Submitted first: our pool stores its stalledInterval with the queue, which workers read as they start.
  const { result, active, done } = await submit(name);
  const victim = await start(url, name, { BENCH_VICTIM: '1' });
  try {
    const deadline = Date.now() + 10_000;
    while (!(await active())) {
      if (Date.now() > deadline) throw new Error('the task never started');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const rescuer = await start(url, name);
    const killed = performance.now();
    victim.kill('SIGKILL');
    const value = await result;
    const ms = performance.now() - killed;
    if (value !== rescuer.pid) throw new Error(`the task ran on ${String(value)}, not on the other worker ${rescuer.pid}`);
    await stopProcess(rescuer);
    return ms;
  } finally {
    await stopProcess(victim);
    await done();
  }
}

/** Whether the queue `name` has a job running. */
async function hasActive(url: string, name: string, prefix: string): Promise<boolean> {
  const redis = new Redis(url);
  try {
    return (await redis.llen(`${prefix}:${name}:active`)) > 0;
  } finally {
    redis.disconnect();
  }
}

const oursRecovery: Contender = {
  name: '@conc/redis Pool (stalledInterval 1 s)',
  role: 'ours',
  unavailable: missing,
  async run() {
    const url = await redisUrl();
    return recovery(ourWorkers, async (name) => {
      const backend = new RedisBackend({ url, prefix: 'bench' });
      const pool = new Pool({ backend, name, processes: 0, stalledInterval: STALLED_INTERVAL });
      const result = pool.apply(async () => {
        if (process.env['BENCH_VICTIM']) await new Promise(() => {});
        return process.pid;
      });
      const redis = new Redis(url);
      while (!(await redis.exists(`bench:{pool:${name}}:${name}:conc:config`))) await new Promise((resolve) => setTimeout(resolve, 5));
      redis.disconnect();
      return {
        result,
        active: () => hasActive(url, name, `bench:{pool:${name}}`),
        done: async () => {
          await pool.terminate();
          await backend.close();
        },
      };
    });
  },
};

const rawRecovery: Contender = {
  name: 'raw BullMQ (stalledInterval = lockDuration = 1 s)',
  role: 'peer',
  unavailable: missing,
  async run() {
    const url = await redisUrl();
    return recovery((u, name, env) => rawWorker(u, name, STALLED_INTERVAL, env), async (name) => {
      const raw = new RawClient(url, name);
      await raw.ready();
      return {
        result: raw.add({ victim: true }),
        active: () => hasActive(url, name, 'bull'),
        done: () => raw.close(),
      };
    });
  },
};

const bound: Contender = {
  name: 'stalledInterval + 2 s (the bound)',
  role: 'floor',
  run: () => Promise.resolve(STALLED_INTERVAL + 2000),
};

export const workloads: Workload[] = [
  {
    id: 'redis/pool-apply',
    title: `Pool on Redis: apply, one task at a time, ${WORKERS} worker processes`,
    unit: 'tasks/s',
    better: 'higher',
    contenders: [oursApply, rawApply],
    targets: [{ against: 'raw BullMQ add + Worker', ratio: 0.8, note: 'issue 14: at least 0.8x raw BullMQ' }],
  },
  {
    id: 'redis/pool-apply-async',
    title: `Pool on Redis: 10k applyAsync at once, ${WORKERS} worker processes`,
    unit: 'tasks/s',
    better: 'higher',
    contenders: [oursAtOnce, rawAtOnce],
    targets: [{ against: 'raw BullMQ addBulk', ratio: 0.8, note: 'issue 14: at least 0.8x raw BullMQ' }],
  },
  {
    id: 'redis/pool-map',
    title: `Pool on Redis: map of 100k tiny tasks, ${WORKERS} worker processes`,
    unit: 'tasks/s',
    better: 'higher',
    contenders: [oursMap, rawMap],
    targets: [{ against: 'raw BullMQ one job per item', ratio: 20, note: 'issue 14: at least 20x raw BullMQ one job per item' }],
  },
  {
    id: 'redis/pool-recovery',
    title: 'Pool on Redis: a SIGKILLed worker\'s task, from the kill to its result from another worker',
    unit: 'ms',
    better: 'lower',
    contenders: [oursRecovery, rawRecovery, bound],
    targets: [{ against: 'stalledInterval + 2 s', ratio: 1, note: 'issue 14: recovered within stalledInterval + 2 s' }],
  },
];
