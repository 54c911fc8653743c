import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { ConcError, StateError, WorkerCrashedError } from '@conc/core';
import type { TargetDescriptor } from '@conc/core/internal';
import { LocalEngine, Unit, type EngineHost, type EngineTarget, type UnitLedger } from '@conc/pool/internal';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ShareableHooks } from './json-codec.js';
import { PoolKeys } from './keys.js';
import { managerProxyHooks } from './manager/proxy.js';
import { decodePayload, encodeResult, type PoolJobData, type ResultEntry, type UnitResult } from './pool-job.js';
import { describeUrl } from './manager/session.js';
import { CALL_TIMEOUT, loadQueueConfig } from './pool-settings.js';
import type { RedisBackend } from './redis-backend.js';
import { unrefConnection } from './unref-connection.js';
import { within } from './within.js';

/** How a pool's own workers serve its queue (the settings come from the pool). @internal */
export interface ServerSettings {
  name: string;
  processes: number;
  kind: 'thread' | 'process';
  allowSource: boolean;
  initializer?: TargetDescriptor | undefined;
  initargs?: unknown[];
  maxtasksperchild?: number;
  /** Whether the server keeps Node alive while it serves (a pool's own workers do not). */
  keepAlive: boolean;
}

/** Names this process in results, for the caller's trace (the playground's timeline). */
const WORKER_TAG = `${hostname()}:${process.pid}`;

/** A job older than this (ms) is run only if its caller is still there. */
const STALE_MS = 5000;

/** A job being run here. */
interface Running {
  caller: string;
  units: Unit[];
  /** Its caller terminated: the results are dropped and the job ends (and is removed). */
  cancelled: boolean;
  /** This server stopped under it: the job is left to stall, and runs again elsewhere. */
  abandoned: boolean;
  jobId: string | undefined;
}

/**
 * The worker side of a pool on Redis: a BullMQ `Worker` whose event loop only moves data
 * (taking jobs, renewing their locks, pushing results) while the tasks run on a
 * {@link LocalEngine}'s threads or processes, so a CPU-bound task never delays a lock renewal.
 * @internal
 */
export class PoolServer {
  readonly #backend: RedisBackend;
  readonly #settings: ServerSettings;
  readonly #keys: PoolKeys;
  readonly #engine: LocalEngine;
  readonly #targets = new Map<string, number>();
  readonly #descriptors = new Map<number, TargetDescriptor>();
  readonly #running = new Set<Running>();
  #connection: Redis | undefined;
  #subscriber: Redis | undefined;
  #worker: Worker | undefined;
  #closing = false;
  /** The pool's initializer failed here: every task fails with this. */
  #brokenBy: WorkerCrashedError | undefined;
  #stopped: Promise<void> | undefined;
  readonly #ledger: UnitLedger = { unitSettled: (unit, wasQueued) => this.#engine.settled(unit, wasQueued) };
  /** Manager proxies of this backend's Redis cross inside arguments and results. */
  readonly #hooks: ShareableHooks;
  /** How many proxies `#hooks` has rebuilt: a payload that holds some must be prepared for a thread. */
  #loaded = 0;

  constructor(backend: RedisBackend, settings: ServerSettings) {
    this.#backend = backend;
    this.#settings = settings;
    this.#keys = new PoolKeys(backend.prefix, settings.name);
    const hooks = managerProxyHooks(backend);
    this.#hooks = {
      store: hooks.store,
      load: (data) => {
        this.#loaded++;
        return hooks.load!(data);
      },
    };
    const host: EngineHost = {
      id: 0,
      target: (id) => this.#descriptors.get(id)!,
      wantsWorkers: () => !this.#closing,
      broken: (error) => this.#broken(error),
    };
    this.#engine = new LocalEngine(host, {
      processes: settings.processes,
      kind: settings.kind,
      initializer: settings.initializer,
      initargs: settings.initargs ?? [],
      maxtasksperchild: settings.maxtasksperchild ?? Infinity,
    });
  }

  /**
   * Connects and starts taking jobs.
   * @param interval - The stall check's interval; default: the one stored with the queue.
   */
  async start(interval?: number): Promise<void> {
    const connection = this.#backend.connect({ maxRetriesPerRequest: null });
    const subscriber = this.#backend.connect({ maxRetriesPerRequest: null });
    if (!this.#settings.keepAlive) {
      unrefConnection(connection);
      unrefConnection(subscriber);
    }
    const unreachable = (): Error => new ConcError(`serve: Redis at ${describeUrl(this.#backend.url)} did not answer within ${CALL_TIMEOUT} ms`);
    try {
      const stalledInterval = interval ?? (await within(loadQueueConfig(connection, this.#keys), CALL_TIMEOUT, unreachable)).stalledInterval;
      subscriber.on('message', (_channel: string, caller: string) => this.#cancel(caller));
      await within(subscriber.subscribe(this.#keys.cancel), CALL_TIMEOUT, unreachable);
      // Sent by its SHA (EVALSHA), not as the whole text on every push.
      connection.defineCommand('concPushIfAlive', { numberOfKeys: 2, lua: PUSH_IF_ALIVE });
      this.#connection = connection;
      this.#subscriber = subscriber;
      const worker = new Worker(this.#settings.name, (job) => this.#process(job as Job<PoolJobData>), {
        connection,
        prefix: this.#keys.bullPrefix,
        concurrency: this.#settings.processes * 2,
        stalledInterval,
        // The lock lapses within one stall check of a worker's death, and is renewed twice as often.
        lockDuration: stalledInterval,
        // Our own count decides when a task has run too often (its job carries `retries`), and
        // reports it to the caller; BullMQ's would fail the job where nobody hears it.
        maxStalledCount: 1_000_000,
        removeOnComplete: { count: 0 },
        removeOnFail: { count: 0 },
        autorun: false,
      });
      this.#worker = worker;
      worker.on('error', () => {});
      void worker.run().catch(() => {});
      await within(worker.waitUntilReady(), CALL_TIMEOUT, unreachable);
      if (this.#closing) throw new StateError('serve: the server was closed while it started');
    } catch (error) {
      // Nothing half-started: a later start() begins afresh.
      await this.#worker?.close(true).catch(() => {});
      this.#worker = undefined;
      this.#connection = this.#subscriber = undefined;
      connection.disconnect();
      subscriber.disconnect();
      throw error;
    }
  }


  /** Stops taking jobs, lets the running ones finish, ends the workers. */
  close(): Promise<void> {
    this.#stopped ??= this.#stop(false);
    return this.#stopped;
  }

  /**
   * Stops now. The tasks of `caller` (a pool being terminated) are aborted and their jobs end;
   * other callers' running tasks are abandoned: their jobs' locks lapse and they run again
   * elsewhere (at-least-once).
   */
  terminate(caller?: string): Promise<void> {
    this.#stopped ??= this.#stop(true, caller);
    return this.#stopped;
  }

  async #stop(now: boolean, caller?: string): Promise<void> {
    this.#closing = true;
    if (now) {
      const own = new Set<string | undefined>();
      for (const running of this.#running) {
        if (running.caller === caller) own.add(running.jobId);
        else running.abandoned = true;
      }
      // The caller's jobs end (and BullMQ removes them) before the worker lets go of Redis.
      const ended = new Promise<void>((resolve) => {
        if (own.size === 0) resolve();
        const onEnd = (job: Job | undefined): void => {
          own.delete(job?.id);
          if (own.size === 0) resolve();
        };
        this.#worker?.on('completed', onEnd);
        this.#worker?.on('failed', onEnd);
        setTimeout(resolve, 2000).unref();
      });
      if (caller !== undefined) this.#cancel(caller);
      await ended;
    }
    await this.#worker?.close(now).catch(() => {});
    await this.#engine.terminate(new StateError('serve: the server was closed'));
    await Promise.allSettled([this.#subscriber?.quit(), this.#connection?.quit()]);
    this.#subscriber?.disconnect();
    this.#connection?.disconnect();
  }

  async #process(job: Job<PoolJobData>): Promise<void> {
    const data = job.data;
    if (!isJobData(data)) return; // not ours: nothing to run, nobody to tell
    const connection = this.#connection!;
    // A job that waited long may belong to a caller gone meanwhile: then it is not run. (A fresh
    // one is run without asking, saving a round trip: its results are dropped if need be.)
    if (Date.now() - job.timestamp > STALE_MS && (await connection.exists(this.#keys.alive(data.c))) === 0) return;
    const fail = (error: Error): Promise<void> => this.#push(data.c, data.u.map(([id]) => encodeResult(id, true, error)));
    const runs = job.attemptsStarted;
    if (runs > data.r + 1) {
      return fail(new WorkerCrashedError(`the worker running this task died ${runs - 1} times (retries: ${data.r}); it is not run again`));
    }
    if (this.#brokenBy) return fail(this.#brokenBy);
    let fnId: number;
    try {
      fnId = this.#targetId(data.t);
    } catch (error) {
      return fail(error as Error);
    }
    const running: Running = { caller: data.c, units: [], cancelled: false, abandoned: false, jobId: job.id };
    const results: UnitResult[] = [];
    const done = data.u.map(([id, mode, payload]) => new Promise<void>((settle) => {
      let value: unknown;
      let shared = false;
      try {
        const before = this.#loaded;
        value = decodePayload(payload, this.#hooks);
        // Manager proxies rebuilt here cross to the worker thread as @conc objects do.
        if (this.#loaded !== before) ({ value, shared } = this.#engine.prepare(value, 'args'));
      } catch (error) {
        results.push(encodeResult(id, true, error));
        settle();
        return;
      }
      const unit = new Unit(this.#ledger, fnId, mode, value, shared, (failed, result) => {
        results.push(encodeResult(id, failed, result, this.#hooks));
        settle();
      });
      running.units.push(unit);
    }));
    this.#running.add(running);
    for (const unit of running.units) this.#engine.submit(unit);
    try {
      await Promise.all(done);
      if (running.abandoned) await new Promise(() => {}); // never ends here: the job stalls and runs elsewhere
      if (!running.cancelled) await this.#push(data.c, results);
    } finally {
      this.#running.delete(running);
    }
  }

  /** Pushes results on the caller's list, unless the caller is gone (nobody would pop them). */
  async #push(caller: string, results: UnitResult[]): Promise<void> {
    const alive = this.#keys.alive(caller);
    const list = this.#keys.results(caller);
    const entry: ResultEntry = [WORKER_TAG, results];
    await (this.#connection as Redis & PushCommand).concPushIfAlive(alive, list, JSON.stringify(entry));
  }

  #targetId(target: EngineTarget): number {
    if (target === null || typeof target !== 'object') throw new TypeError('the job has no target');
    let descriptor: TargetDescriptor;
    if (target.type === 'source') {
      if (!this.#settings.allowSource) {
        throw new StateError(`this worker does not run function targets (they travel as source text, and anyone who can write to Redis could send one): start it with --allow-source (conc-worker) or serve(backend, { allowSource: true }), or pass a { module, export } target`);
      }
      descriptor = { type: 'source', source: String(target.source), name: String(target.name) };
    } else if (target.type === 'module') {
      const specifier = target.specifier ?? target.module;
      const module = /^\.\.?\//.test(specifier) ? pathToFileURL(resolve(specifier)).href : specifier;
      descriptor = { type: 'module', module, export: target.export };
    } else {
      throw new TypeError('the job has a target of an unknown type');
    }
    const key = descriptor.type === 'source' ? `s:${descriptor.source}` : `m:${descriptor.module}#${descriptor.export}`;
    let id = this.#targets.get(key);
    if (id === undefined) {
      id = this.#targets.size + 1;
      this.#targets.set(key, id);
      this.#descriptors.set(id, descriptor);
    }
    return id;
  }

  /** A caller terminated its pool: its tasks running here are aborted, their results dropped. */
  #cancel(caller: string): void {
    for (const running of this.#running) {
      if (running.caller !== caller) continue;
      running.cancelled = true;
      for (const unit of running.units) this.#engine.abort(unit, new StateError('Pool.terminate(): the pool was terminated before this task finished'));
    }
  }

  #broken(error: Error): void {
    // The initializer failed in a worker here: this server's tasks fail with the cause.
    if (this.#brokenBy) return;
    const crash = new WorkerCrashedError(`the pool's initializer failed in a worker: ${error.name}: ${error.message}`, { cause: error });
    this.#brokenBy = crash;
    void this.#engine.terminate(crash);
    // Takes no more jobs: other workers of the queue serve it.
    void this.#worker?.close().catch(() => {});
  }
}

interface PushCommand {
  concPushIfAlive(alive: string, list: string, results: string): Promise<number>;
}

/** Pushes a job's results (`ARGV[1]`) on the caller's list (`KEYS[2]`) while it lives (`KEYS[1]`). */
const PUSH_IF_ALIVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], 86400000)
return 1
`;

function isJobData(data: unknown): data is PoolJobData {
  const d = data as Partial<PoolJobData> | null;
  return typeof d === 'object' && d !== null && typeof d.c === 'string' && typeof d.r === 'number' && Array.isArray(d.u) && typeof d.t === 'object';
}
