import { randomUUID } from 'node:crypto';
import { ConcError, DataCloneError } from '@conc/core';
import type { EngineHost, PoolEngine, Prepared, Unit } from '@conc/pool/internal';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { encodeJson, type ShareableHooks } from './json-codec.js';
import { managerProxyHooks } from './manager/proxy.js';
import { PoolKeys } from './keys.js';
import { decodeResult, encodePayload, type JobUnit, type PoolJobData, type ResultEntry, type UnitMode } from './pool-job.js';
import { trace, traceChannel } from '@conc/core/internal';
import type { RedisBackend } from './redis-backend.js';
import { POOL_JOB, poolJobOptions, storeQueueConfig, type PoolSettings } from './pool-settings.js';
import { PoolServer } from './pool-server.js';
import { unrefConnection } from './unref-connection.js';
import { atMost } from './within.js';

/** A job carries at most this many units... */
const MAX_UNITS_PER_JOB = 256;
/** ...and about this many bytes of payload (JSON). */
const MAX_JOB_BYTES = 1 << 20;
/** A burst of submissions is cut into at least this many jobs, so that many workers share it. */
const MIN_JOBS = 64;
/** The caller's liveness key lives this long unless renewed (ms); it is renewed every third of it. */
const ALIVE_MS = 30_000;
/** Results read at once after a blocking pop. */
const READ_BATCH = 256;

interface Sent {
  unit: Unit;
  job: JobRecord;
}

interface JobRecord {
  /** The job's id once BullMQ has given it. */
  id: string | undefined;
  /** Units of the job not settled yet. */
  left: number;
  /** When it was made (`performance.now()`): an outage fails it once it has lasted the timeout since. */
  made: number;
}

/**
 * The caller's side of a pool on Redis: units become BullMQ jobs (several units to a job,
 * grouped by target), and results come back on this caller's own list, popped with a blocking
 * read and de-duplicated by unit id, so each is delivered once whatever ran twice.
 * @internal
 */
export class RedisEngine implements PoolEngine {
  readonly processes: number;
  readonly #host: EngineHost;
  readonly #settings: PoolSettings;
  readonly #keys: PoolKeys;
  readonly #caller = randomUUID();
  readonly #connection: Redis;
  readonly #reader: Redis;
  readonly #queue: Queue;
  readonly #server: PoolServer | undefined;
  /** The queue's `retries` (stored with it; this pool's own when it gave one). */
  #retries: number;
  #pending: Unit[] = [];
  #flushScheduled = false;
  readonly #sent = new Map<number, Sent>();
  /** Jobs with units unsettled: removed from Redis when all their units settle early. */
  readonly #jobs = new Set<JobRecord>();
  readonly #ids = new WeakMap<Unit, number>();
  #nextId = 1;
  #reading = false;
  #ended = false;
  #stopped: Promise<void> | undefined;
  /** When Redis became unreachable, while it is. */
  #downSince: number | undefined;
  readonly #timer: NodeJS.Timeout;
  #lastRenewal = 0;
  readonly #tracedWorkers = new Set<string>();
  /** Manager proxies of this backend's Redis cross inside arguments and results. */
  readonly #hooks: ShareableHooks;
  get #queueLane(): string {
    return `queue '${this.#settings.name}'`;
  }
  /** The liveness key was set once: from then on, finding it gone means it expired. */
  #announced = false;

  constructor(host: EngineHost, backend: RedisBackend, settings: PoolSettings) {
    this.#host = host;
    this.#settings = settings;
    this.processes = settings.processes;
    this.#retries = settings.retries;
    this.#hooks = managerProxyHooks(backend);
    this.#keys = new PoolKeys(backend.prefix, settings.name);
    // Unref'd: an idle pool does not keep Node alive (the pool holds it while tasks are out).
    this.#connection = backend.connect();
    unrefConnection(this.#connection);
    this.#reader = backend.connect({ maxRetriesPerRequest: null });
    unrefConnection(this.#reader);
    this.#queue = new Queue(settings.name, { connection: this.#connection, prefix: this.#keys.bullPrefix, streams: { events: { maxLen: 1000 } } });
    this.#queue.on('error', () => {});
    if (settings.processes > 0) {
      // The pool's own workers: they run its function targets (the caller's own code).
      this.#server = new PoolServer(backend, {
        name: settings.name,
        processes: settings.processes,
        kind: settings.kind,
        allowSource: true,
        initializer: settings.initializer,
        initargs: settings.initargs,
        maxtasksperchild: settings.maxtasksperchild,
        keepAlive: false,
      });
    }
    void this.#start();
    this.#connection.on('close', () => (this.#downSince ??= performance.now()));
    this.#connection.on('ready', () => this.#onReady());
    void this.#renewAlive();
    // Renews the liveness key and fails tasks once Redis has been unreachable for too long.
    this.#timer = setInterval(() => this.#tick(), 250);
    this.#timer.unref();
  }

  defaultChunksize(length: number): number {
    return Math.ceil(length / (4 * Math.max(this.processes, MIN_JOBS / 4)));
  }

  prepare(value: unknown, path: string): Prepared {
    // Checked here, at the call (DataCloneError naming the path); encoded when the job is made.
    encodeJson(value, path, this.#hooks);
    return { value, shared: false };
  }

  submit(unit: Unit): void {
    this.#pending.push(unit);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
  }

  settled(unit: Unit, wasQueued: boolean): void {
    if (wasQueued) return;
    const id = this.#ids.get(unit);
    if (id === undefined) return;
    const sent = this.#sent.get(id);
    if (!sent) return;
    this.#sent.delete(id);
    const job = sent.job;
    if (--job.left === 0) {
      this.#jobs.delete(job);
      // Settled early (a signal, a failed map, an imap left): a job still waiting is removed.
      if (job.id !== undefined && !this.#ended) this.#queue.remove(job.id).catch(() => {});
    }
  }

  close(): Promise<void> {
    this.#ended = true;
    this.#stopped ??= this.#shutdown(false);
    return this.#stopped;
  }

  terminate(error: Error): Promise<void> {
    this.#ended = true;
    const jobs = [...this.#jobs];
    const units = [...this.#pending, ...[...this.#sent.values()].map((sent) => sent.unit)];
    this.#pending = [];
    for (const unit of units) unit.finish(true, error);
    this.#stopped ??= this.#shutdown(true, jobs);
    return this.#stopped;
  }

  /** Stores the queue's settings, then starts the local workers with them; retried while Redis is away. */
  async #start(): Promise<void> {
    while (!this.#ended) {
      try {
        const config = await storeQueueConfig(this.#connection, this.#keys, this.#settings);
        this.#retries = config.retries;
        if (this.#server && !this.#ended) await this.#server.start(config.stalledInterval);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 500).unref());
      }
    }
  }

  async #shutdown(now: boolean, jobs: JobRecord[] = []): Promise<void> {
    clearInterval(this.#timer);
    this.#jobs.clear();
    const tasks: Promise<unknown>[] = [];
    if (now) {
      // Workers abort what they run for this caller; what waits is removed.
      tasks.push(this.#connection.publish(this.#keys.cancel, this.#caller));
      for (const job of jobs) if (job.id !== undefined) tasks.push(this.#queue.remove(job.id));
    }
    tasks.push(this.#connection.del(this.#keys.alive(this.#caller), this.#keys.results(this.#caller)));
    if (this.#server) tasks.push(now ? this.#server.terminate(this.#caller) : this.#server.close());
    await Promise.allSettled(tasks.map((task) => atMost(task, this.#settings.timeout)));
    await Promise.allSettled([atMost(this.#queue.close(), this.#settings.timeout)]);
    for (const connection of [this.#reader, this.#connection]) connection.disconnect();
  }

  #flush(): void {
    if (this.#ended || this.#pending.length === 0) return;
    const units = this.#pending;
    this.#pending = [];
    const size = Math.min(MAX_UNITS_PER_JOB, Math.max(1, Math.ceil(units.length / MIN_JOBS)));
    // Grouped by target, in submission order within each.
    const byTarget = new Map<number, Unit[]>();
    for (const unit of units) {
      if (unit.state !== 'queued') continue;
      let group = byTarget.get(unit.fnId);
      if (!group) byTarget.set(unit.fnId, (group = []));
      group.push(unit);
    }
    const made = performance.now();
    const jobs: { name: string; data: PoolJobData; opts: ReturnType<typeof poolJobOptions> }[] = [];
    const records: JobRecord[] = [];
    for (const [fnId, group] of byTarget) {
      const target = this.#host.target(fnId);
      let batch: JobUnit[] = [];
      let bytes = 0;
      let record: JobRecord = { id: undefined, left: 0, made };
      const close = (): void => {
        if (batch.length === 0) return;
        jobs.push({ name: POOL_JOB, data: { c: this.#caller, r: this.#retries, t: target, u: batch }, opts: poolJobOptions() });
        records.push(record);
        this.#jobs.add(record);
        batch = [];
        bytes = 0;
        record = { id: undefined, left: 0, made };
      };
      for (const unit of group) {
        let payload: unknown;
        try {
          payload = encodePayload(unit.payload, 'args', this.#hooks);
        } catch (error) {
          unit.finish(true, error instanceof DataCloneError ? error : new DataCloneError('args', String(error)));
          continue;
        }
        const id = this.#nextId++;
        this.#ids.set(unit, id);
        unit.start();
        this.#sent.set(id, { unit, job: record });
        record.left++;
        batch.push([id, unit.mode as UnitMode, payload]);
        // Buffers and long strings, as the pool measured them; base64 adds a third.
        bytes += 64 + unit.bytes * 1.34;
        if (batch.length >= size || bytes >= MAX_JOB_BYTES) close();
      }
      close();
    }
    if (jobs.length === 0) return;
    void this.#renewAlive(made);
    if (traceChannel.hasSubscribers) trace('put', 'Pool', this.#host.id, { worker: this.#queueLane, tasks: jobs.reduce((sum, job) => sum + job.data.u.length, 0) });
    // One job alone goes by `add` (one script call); several by `addBulk` (one transaction).
    const adding = jobs.length === 1 ? this.#queue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts).then((job) => [job]) : this.#queue.addBulk(jobs);
    adding.then(
      (added) => {
        for (let i = 0; i < added.length; i++) records[i]!.id = added[i]!.id;
        for (const record of records) {
          // All its units settled meanwhile (or the pool ended): nobody waits for this job.
          if ((record.left === 0 || this.#ended) && record.id !== undefined) this.#queue.remove(record.id).catch(() => {});
        }
      },
      (error: unknown) => this.#failSent(records, new ConcError(`Pool on Redis: could not add tasks to the queue '${this.#settings.name}': ${(error as Error).message}`, { cause: error })),
    );
    this.#read();
  }

  #failSent(records: JobRecord[], error: Error): void {
    const failed = new Set(records);
    for (const sent of [...this.#sent.values()]) if (failed.has(sent.job)) sent.unit.finish(true, error);
  }

  /** Pops results while units are out; each id is delivered once (a task run twice reports twice). */
  #read(): void {
    if (this.#reading) return;
    this.#reading = true;
    void (async () => {
      const key = this.#keys.results(this.#caller);
      try {
        while (!this.#ended && this.#sent.size > 0) {
          try {
            const first = await this.#reader.blpop(key, 1);
            if (!first) continue;
            // Delivered at once; then what else is there, in one round trip, while tasks are out.
            this.#deliver(JSON.parse(first[1]) as ResultEntry);
            if (this.#sent.size === 0) continue;
            const more = await this.#reader.lpop(key, READ_BATCH);
            if (more) for (const entry of more) this.#deliver(JSON.parse(entry) as ResultEntry);
          } catch {
            // Redis is unreachable: the tick fails the tasks if it stays so.
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      } finally {
        this.#reading = false;
      }
    })();
  }

  #deliver([worker, results]: ResultEntry): void {
    if (traceChannel.hasSubscribers) this.#traceResults(worker, results.length);
    for (const result of results) {
      const sent = this.#sent.get(result[0]);
      if (!sent || sent.unit.state !== 'sent') continue;
      const { failed, value } = decodeResult(result, this.#hooks);
      sent.unit.finish(failed, value);
    }
    // The queue's lane is busy while tasks are out.
    if (this.#sent.size === 0 && traceChannel.hasSubscribers) trace('get', 'Pool', this.#host.id, { worker: this.#queueLane, tasks: 0 });
  }

  /**
   * Trace events in the local pool's shape (kind `'Pool'`): the queue as one worker lane that
   * tasks are put to, and each process that reported results as one, as it first does.
   */
  #traceResults(worker: string, tasks: number): void {
    if (!this.#tracedWorkers.has(worker)) {
      this.#tracedWorkers.add(worker);
      trace('start', 'Pool', this.#host.id, { worker, workerKind: 'process' });
    }
    trace('get', 'Pool', this.#host.id, { worker, tasks });
  }

  #tick(): void {
    const now = performance.now();
    const down = this.#downSince;
    if (down !== undefined && now - down > this.#settings.timeout && this.#sent.size > 0) {
      // Each task waits the timeout from when it was sent or Redis went away, whichever came last.
      const error = new ConcError(`Pool on Redis: Redis has been unreachable for more than ${this.#settings.timeout} ms; the task's outcome is unknown`);
      for (const sent of [...this.#sent.values()]) if (now - Math.max(down, sent.job.made) > this.#settings.timeout) sent.unit.finish(true, error);
    }
    if (now - this.#lastRenewal > ALIVE_MS / 3) void this.#renewAlive();
  }

  /**
   * Sets (renews) the key that tells workers this caller lives. Found missing, it expired (this
   * process stalled) or Redis lost its data: the tasks sent before `cutoff` may be gone, and
   * fail. Sent on the connection that adds jobs, before them, so a worker never sees a job of
   * ours without the key.
   */
  async #renewAlive(cutoff = performance.now()): Promise<void> {
    this.#lastRenewal = performance.now();
    try {
      const before = await this.#connection.set(this.#keys.alive(this.#caller), '1', 'PX', ALIVE_MS, 'GET');
      const first = !this.#announced;
      this.#announced = true;
      if (before === null && !first && !this.#ended) {
        const error = new ConcError('Pool on Redis: the task was lost: Redis lost its data (restarted without persistence?) or this process was out of touch with it for 30 s');
        for (const sent of [...this.#sent.values()]) if (sent.job.made < cutoff) sent.unit.finish(true, error);
      }
    } catch {
      // Unreachable: the tick handles it.
    }
  }

  #onReady(): void {
    if (this.#downSince === undefined) return;
    const since = this.#downSince;
    this.#downSince = undefined;
    // Redis is back: its data may be gone (restarted without persistence); the renewal finds
    // out. Tasks sent during the outage were queued on the connection, behind their own renewal.
    void this.#renewAlive(since);
    if (this.#sent.size > 0) this.#read();
  }

}
