import { fork, type ChildProcess } from 'node:child_process';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { WorkerCrashedError } from '@conc/core';
import { deserializeError, watchWorker, type SerializedError } from '@conc/core/internal';
import type { BatchMessage, ReplyMessage, WorkerSetup } from './protocol.js';
import type { Unit } from './unit.js';

const entry = new URL('./pool-worker.js', import.meta.url);

/** What a slot tells its pool. @internal */
export interface SlotEvents {
  reply(slot: WorkerSlot, reply: ReplyMessage): void;
  initFailed(slot: WorkerSlot, error: Error): void;
  /** The worker is gone; `crash` says why when it was not asked to stop. */
  exit(slot: WorkerSlot, crash: WorkerCrashedError | undefined): void;
}

let nextSlotId = 1;

/**
 * One worker of a pool (a thread or a child process) and the units it has in flight, in the
 * order it runs them: a reply settles the oldest ones.
 * @internal
 */
export class WorkerSlot {
  readonly id = nextSlotId++;
  readonly kind: 'thread' | 'process';
  /**
   * The batches sent and not fully reported, oldest first (each the array the batch was sent
   * with, kept as it is: no per-unit copy); the first has its first `#firstReported` units
   * reported. A reply never spans two batches (a worker reports at the end of each).
   */
  readonly #batches: Unit[][] = [];
  #firstReported = 0;
  #pending = 0;
  /** Targets this worker already has. */
  readonly known = new Set<number>();
  /** Units it may still take (maxtasksperchild). */
  quota: number;
  /** Set when the pool asked it to stop: its exit is not a crash. */
  stopping = false;
  exited = false;
  readonly exitedPromise: Promise<void>;
  readonly #events: SlotEvents;
  readonly #worker: Worker | undefined;
  readonly #child: ChildProcess | undefined;
  readonly #progress: Int32Array | undefined;
  /** Units reported since it started. */
  #reported = 0;
  #error: Error | undefined;

  constructor(kind: 'thread' | 'process', setup: WorkerSetup, quota: number, events: SlotEvents, resourceLimits?: ResourceLimits) {
    this.kind = kind;
    this.quota = quota;
    this.#events = events;
    let onExit!: () => void;
    this.exitedPromise = new Promise<void>((resolve) => (onExit = resolve));
    if (kind === 'thread') {
      const progress = new SharedArrayBuffer(8);
      this.#progress = new Int32Array(progress);
      const worker = new Worker(entry, { workerData: { ...setup, progress }, resourceLimits });
      this.#worker = worker;
      // A task's locks are taken over once the worker has exited (terminate, out of memory, a crash).
      watchWorker(worker);
      worker.on('message', (message: ReplyMessage | { initFailed: SerializedError }) => this.#receive(message));
      worker.on('error', (error) => (this.#error ??= error));
      worker.on('exit', (code) => {
        onExit();
        this.#exit(code, null);
      });
      // After the listeners: adding a 'message' listener refs the port again.
      worker.unref();
    } else {
      // Identities (RLock ownership through the broker) must differ across processes: core adds
      // the thread id to this base; 2^20 ids per process, a random slot per child.
      const identityBase = ((Math.floor(Math.random() * 2047) + 1) << 20) | 0;
      const child = fork(entry, [], { serialization: 'advanced', stdio: 'inherit', env: { ...process.env, CONC_IDENTITY_BASE: String(identityBase) } });
      this.#child = child;
      child.on('message', (message: ReplyMessage | { initFailed: SerializedError } | { crashed: SerializedError }) => {
        if ('crashed' in message) this.#error ??= deserializeError(message.crashed);
        else this.#receive(message);
      });
      child.on('error', (error) => (this.#error ??= error));
      child.on('exit', (code, signal) => {
        onExit();
        this.#exit(code, signal);
      });
      child.send({ setup });
      child.unref();
      (child.channel as { unref?: () => void } | null | undefined)?.unref?.();
    }
  }

  /** The process id of a process worker, the thread id of a thread worker. */
  get ident(): number | undefined {
    return this.#child ? this.#child.pid : this.#worker?.threadId;
  }

  /** Units in flight and not yet reported. */
  get pendingCount(): number {
    return this.#pending;
  }

  /** Batches in flight (sent and not fully reported). */
  get batchCount(): number {
    return this.#batches.length;
  }

  /**
   * Posts a batch; `transfer` (threads only) is moved, not copied: the caller no longer uses it.
   * `units` is kept as the in-flight record of the batch: the caller must not change it.
   */
  send(message: BatchMessage, units: Unit[], transfer?: ArrayBuffer): void {
    if (this.#worker) this.#worker.postMessage(message, transfer ? [transfer] : undefined);
    else this.#child!.send(message);
    this.#batches.push(units);
    this.#pending += units.length;
  }

  /**
   * Takes the oldest `count` units off the in-flight record, as a reply reported them. A reply
   * of a whole batch (the usual case) gives back the batch's own array.
   */
  takeReported(count: number): Unit[] {
    const first = this.#batches[0];
    let units: Unit[];
    if (first !== undefined && this.#firstReported === 0 && count === first.length) {
      units = first;
      this.#batches.shift();
    } else {
      units = [];
      while (units.length < count && this.#batches.length > 0) {
        const batch = this.#batches[0]!;
        const end = Math.min(batch.length, this.#firstReported + count - units.length);
        for (let i = this.#firstReported; i < end; i++) units.push(batch[i]!);
        if (end === batch.length) {
          this.#batches.shift();
          this.#firstReported = 0;
        } else this.#firstReported = end;
      }
    }
    this.#pending -= units.length;
    this.#reported += units.length;
    return units;
  }

  /** The units in flight and not yet reported, oldest first (a copy). */
  pendingUnits(): Unit[] {
    const units: Unit[] = [];
    for (let b = 0; b < this.#batches.length; b++) {
      const batch = this.#batches[b]!;
      for (let i = b === 0 ? this.#firstReported : 0; i < batch.length; i++) units.push(batch[i]!);
    }
    return units;
  }

  /** Whether `unit` is in flight here and not yet reported. */
  holds(unit: Unit): boolean {
    for (let b = 0; b < this.#batches.length; b++) {
      if (this.#batches[b]!.indexOf(unit, b === 0 ? this.#firstReported : 0) >= 0) return true;
    }
    return false;
  }

  /** Whether a suspect of a crash is in flight here (a suspect is always a batch of its own). */
  holdsSuspect(): boolean {
    for (let b = 0; b < this.#batches.length; b++) if (this.#batches[b]![0]!.suspect) return true;
    return false;
  }

  /**
   * After a crash: which unreported unit was running (its index among the pending ones), -1
   * when the worker died between units, -2 when it cannot tell (a process worker, which has no
   * shared counters, with several units unreported; with one, that one was running).
   */
  runningIndex(): number {
    const pending = this.pendingCount;
    if (pending === 0) return -1;
    if (!this.#progress) return pending === 1 ? 0 : -2;
    const started = Atomics.load(this.#progress, 0);
    const finished = Atomics.load(this.#progress, 1);
    if (started === finished) return -1;
    const index = finished - this.#reported;
    return index >= 0 && index < pending ? index : 0;
  }

  /** Ends the worker now. */
  stop(): Promise<void> {
    this.stopping = true;
    if (this.#worker) void this.#worker.terminate();
    else if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    return this.exitedPromise;
  }

  #receive(message: ReplyMessage | { initFailed: SerializedError }): void {
    if ('initFailed' in message) this.#events.initFailed(this, deserializeError(message.initFailed));
    else this.#events.reply(this, message);
  }

  #exit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    if (this.stopping) {
      this.#events.exit(this, undefined);
      return;
    }
    const who = this.kind === 'thread' ? `pool worker thread ${this.#worker?.threadId ?? ''}`.trim() : `pool worker process ${this.#child?.pid ?? ''}`.trim();
    const error = this.#error;
    let why: string;
    if (error) {
      const code = (error as { code?: unknown }).code;
      why = code === 'ERR_WORKER_OUT_OF_MEMORY' ? `ran out of memory (resource limits): ${error.message}` : `died of an uncaught ${error.name}: ${error.message}`;
    } else if (signal) {
      why = `was killed by ${signal}`;
    } else {
      why = `exited with code ${code ?? 'unknown'} (process.exit() in a task?)`;
    }
    this.#events.exit(this, new WorkerCrashedError(`${who} ${why}`, error ? { cause: error } : undefined));
  }
}
