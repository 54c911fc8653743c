import type { ResourceLimits } from 'node:worker_threads';
import { DataCloneError, type WorkerCrashedError } from '@conc/core';
import { deserializeError, holdKeepAlive, releaseKeepAlive, reviveSync, trace, traceChannel, typeName, type TargetDescriptor } from '@conc/core/internal';
import { packBatch } from './batch-buffer.js';
import type { EngineHost, EngineOptions, PoolEngine, Prepared } from './engine.js';
import { brokerIsListening, prepareFor, whenBrokerListens } from './process-broker.js';
import type { BatchMessage, Mode, ReplyMessage, WorkerSetup } from './protocol.js';
import type { Unit } from './unit.js';
import { WorkerSlot } from './worker-slot.js';

/** Batches in flight per worker while tasks are short: the next batch waits in the worker. */
const PIPELINE = 2;
/**
 * Tasks longer than this (ms on average) are not pipelined, so no task waits behind a long one
 * while a worker idles. Until the first reply tells how long tasks take, batches hold one task
 * and are not pipelined either: one round trip costs far less than a task stuck behind a slow one.
 */
const LONG_TASK_MS = 1;
/** A batch aims at about this much work (ms), once task times are known. */
const BATCH_MS = 2;
const MAX_BATCH = 2048;
/** A batch carries at most about this many bytes of big arguments (buffers, long strings). */
const BATCH_BYTES = 1 << 20;

/** Options of {@link LocalEngine}. */
export interface LocalEngineOptions extends EngineOptions {
  /** Thread workers only: V8 heap limits of each worker. */
  resourceLimits?: ResourceLimits | undefined;
  /**
   * Start workers as tasks arrive (one more whenever a task finds no idle worker, up to
   * `processes`) rather than all at once; executors do, as in Python.
   */
  lazy?: boolean;
}

/**
 * The engine of a pool on this machine: worker threads or child processes ("slots"), fed
 * batches of units. Idle workers do not keep Node alive.
 *
 * Tasks go to workers in batches (one message carries many units, one reply many results)
 * with up to {@link PIPELINE} batches in flight per worker while tasks are short; batch sizes
 * follow measured task times per item. Also the engine `serve()` of `@conc/redis` runs its
 * tasks on.
 */
export class LocalEngine implements PoolEngine {
  readonly processes: number;
  readonly kind: 'thread' | 'process';
  readonly #host: EngineHost;
  readonly #maxtasks: number;
  readonly #setup: WorkerSetup;
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #lazy: boolean;
  /** `close()` or `terminate()` was called: no more dispatch, no more replacements. */
  #ended = false;
  #slots: WorkerSlot[] = [];
  #rotate = 0;
  #queue: Unit[] = [];
  #queueHead = 0;
  #queued = 0;
  #pumpScheduled = false;
  /** Average run time of one item (ms: a call of an `apply`, an item of a map chunk), by target id; absent until measured. */
  readonly #itemMs: number[] = [];
  #stopped: Promise<void> | undefined;
  #resolveStopped: (() => void) | undefined;

  /**
   * @param host - The face that owns this engine.
   * @param options - Checked pool options.
   * @throws DataCloneError for `initargs` that cannot cross; TypeError for `resourceLimits`.
   */
  constructor(host: EngineHost, options: LocalEngineOptions) {
    this.#host = host;
    this.processes = options.processes;
    this.kind = options.kind;
    this.#maxtasks = options.maxtasksperchild;
    this.#lazy = options.lazy === true;
    const limits = options.resourceLimits;
    if (limits !== undefined && (typeof limits !== 'object' || limits === null)) throw new TypeError(`Pool: resourceLimits must be an object of worker_threads resource limits, got ${typeName(limits)}`);
    if (limits !== undefined && this.kind === 'process') throw new TypeError("Pool: resourceLimits applies to kind 'thread' only (a process worker's heap is set with --max-old-space-size)");
    this.#resourceLimits = limits;
    const prepared = prepareFor(this.kind, options.initargs, 'initargs');
    this.#setup = { initializer: options.initializer, initargs: prepared.value as unknown[], initShared: prepared.shared };
    if (!this.#lazy) this.#fill(this.processes);
  }

  defaultChunksize(length: number): number {
    return Math.ceil(length / (this.processes * 4));
  }

  prepare(value: unknown, path: string): Prepared {
    return prepareFor(this.kind, value, path);
  }

  submit(unit: Unit): void {
    this.#queue.push(unit);
    this.#queued++;
    if (this.#lazy) this.#grow();
    if (!this.#pumpScheduled) {
      this.#pumpScheduled = true;
      queueMicrotask(() => {
        this.#pumpScheduled = false;
        this.#pump();
      });
    }
  }

  settled(_unit: Unit, wasQueued: boolean): void {
    if (wasQueued) this.#queued--;
  }

  /**
   * Settles `unit` with `reason` now, even while it runs: the worker running it is ended and
   * replaced (nothing else interrupts JavaScript mid-call), and the other units it had in
   * flight run again elsewhere. A queued unit is simply never run.
   */
  abort(unit: Unit, reason: unknown): void {
    if (unit.state === 'done') return;
    const running = unit.state === 'sent' ? this.#slots.find((slot) => slot.holds(unit)) : undefined;
    unit.finish(true, reason);
    if (running && !running.stopping) void running.stop();
  }

  close(): Promise<void> {
    this.#ended = true;
    for (const slot of [...this.#slots]) if (!slot.stopping) void slot.stop();
    return this.#whenStopped();
  }

  terminate(error: Error): Promise<void> {
    this.#ended = true;
    const unfinished: Unit[] = [];
    for (let i = this.#queueHead; i < this.#queue.length; i++) unfinished.push(this.#queue[i]!);
    this.#queue = [];
    this.#queueHead = 0;
    for (const slot of this.#slots) for (const unit of slot.pendingUnits()) unfinished.push(unit);
    for (const unit of unfinished) unit.finish(true, error);
    for (const slot of [...this.#slots]) void slot.stop();
    return this.#whenStopped();
  }

  #whenStopped(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => (this.#resolveStopped = resolve));
    this.#checkStopped();
    return this.#stopped;
  }

  #checkStopped(): void {
    if (this.#resolveStopped && this.#ended && this.#slots.length === 0) {
      this.#resolveStopped();
      this.#resolveStopped = undefined;
    }
  }

  /** Starts workers up to `count` alive, once the broker listens when the initializer's arguments need it. */
  #fill(count: number): void {
    if (this.#setup.initShared && this.kind === 'process' && !brokerIsListening()) {
      // The children's initializer reaches the broker at once: start them once it listens.
      holdKeepAlive();
      void whenBrokerListens().then(() => {
        releaseKeepAlive();
        if (this.#ended) return;
        while (this.#slots.length < count) this.#spawn();
        this.#pump();
      });
      return;
    }
    while (this.#slots.length < count) this.#spawn();
  }

  /** Lazy start: one more worker while queued units outnumber the idle workers. */
  #grow(): void {
    if (this.#slots.length >= this.processes) return;
    let idle = 0;
    for (const slot of this.#slots) if (!slot.stopping && slot.pendingCount === 0) idle++;
    if (this.#queued > idle) this.#fill(Math.min(this.processes, this.#slots.length + this.#queued - idle));
  }

  #spawn(): void {
    const slot = new WorkerSlot(this.kind, this.#setup, this.#maxtasks, {
      reply: (from, reply) => this.#onReply(from, reply),
      initFailed: (_from, error) => this.#host.broken(error),
      exit: (from, crash) => this.#onExit(from, crash),
    }, this.#resourceLimits);
    this.#slots.push(slot);
    if (traceChannel.hasSubscribers) trace('start', 'Pool', this.#host.id, { worker: slot.id, workerKind: this.kind });
  }

  /** The next queued unit, skipping the settled ones. */
  #head(): Unit | undefined {
    while (this.#queueHead < this.#queue.length) {
      const unit = this.#queue[this.#queueHead]!;
      if (unit.state === 'queued') return unit;
      this.#queueHead++;
    }
    return undefined;
  }

  #batchSize(ms: number): number {
    if (ms < 0) return 1;
    const workers = this.#slots.length;
    const guided = Math.ceil(this.#queued / (workers * 4));
    const cap = Math.min(MAX_BATCH, Math.max(1, Math.floor(BATCH_MS / Math.max(ms, 1e-6))));
    // Guided (shrinking) batches balance the tail; while every worker can get a quarter of the
    // time budget, the tail costs less than the messages that smaller batches would take.
    const floor = Math.min(Math.ceil(cap / 4), Math.floor(this.#queued / workers));
    return Math.max(1, Math.min(cap, Math.max(guided, floor)));
  }

  #pump(): void {
    if (this.#ended) return;
    let sent = true;
    while (sent && this.#queued > 0) {
      sent = false;
      const count = this.#slots.length;
      for (let k = 0; k < count && this.#queued > 0; k++) {
        const slot = this.#slots[(this.#rotate + k) % count]!;
        if (slot.stopping || slot.exited || slot.quota <= 0 || slot.batchCount >= PIPELINE) continue;
        const head = this.#head();
        if (!head) break;
        if (head.shared && this.kind === 'process' && !brokerIsListening()) {
          holdKeepAlive();
          void whenBrokerListens().then(() => {
            releaseKeepAlive();
            this.#pump();
          });
          return;
        }
        const itemMs = this.#itemMs[head.fnId];
        const ms = itemMs === undefined ? -1 : itemMs * head.items;
        // Not pipelined: long tasks, tasks not measured yet, and suspects of a crash (alone).
        const alone = head.suspect || slot.batchCount > 0 && slot.holdsSuspect();
        if (slot.batchCount > 0 && (alone || ms < 0 || ms > LONG_TASK_MS)) continue;
        if (this.#sendBatch(slot, head.suspect ? 1 : Math.min(this.#batchSize(ms), slot.quota))) sent = true;
      }
      this.#rotate = (this.#rotate + 1) % Math.max(1, count);
    }
    if (this.#queueHead > 4096 && this.#queueHead * 2 > this.#queue.length) {
      // In place: a splice would allocate the array of the removed units.
      this.#queue.copyWithin(0, this.#queueHead);
      this.#queue.length -= this.#queueHead;
      this.#queueHead = 0;
    }
  }

  #sendBatch(slot: WorkerSlot, size: number): boolean {
    // Which units go: the queued ones from the head, up to `size` and the byte budget. Counted
    // first so that the batch's arrays are made at their size (grown by push, they were most
    // of the bytes a tiny task allocated on this thread).
    const queue = this.#queue;
    const from = this.#queueHead;
    let end = from;
    let count = 0;
    let bytes = 0;
    while (count < size && end < queue.length) {
      const unit = queue[end]!;
      if (unit.state === 'queued') {
        // Big arguments go a few at a time: one huge message serialises while workers idle.
        if (count > 0 && (bytes + unit.bytes > BATCH_BYTES || unit.suspect)) break;
        bytes += unit.bytes;
        count++;
      }
      end++;
    }
    this.#queueHead = end;
    if (count === 0) return false;
    let units = queue.slice(from, end);
    if (count < units.length) units = units.filter(isQueued);
    const first = units[0]!;
    // One target and one mode for the whole batch (the usual case) travel as one number each.
    let fns: BatchMessage['fns'] = first.fnId;
    let modes: BatchMessage['modes'] = first.mode;
    let shared = false;
    let defs: [number, TargetDescriptor][] | undefined;
    for (let i = 0; i < count; i++) {
      const unit = units[i]!;
      unit.start();
      if (typeof fns === 'number' && unit.fnId !== fns) fns = units.map(fnIdOf);
      if (typeof modes === 'number' && unit.mode !== modes) modes = units.map(modeOf);
      if (unit.shared) shared = true;
      if (!slot.known.has(unit.fnId)) {
        slot.known.add(unit.fnId);
        (defs ??= []).push([unit.fnId, this.#host.target(unit.fnId)]);
      }
    }
    this.#queued -= count;
    const payloads = units.map(payloadOf);
    const message: BatchMessage = { defs, fns, modes, payloads, shared };
    const packed = packBatch(payloads);
    try {
      slot.send(message, units, packed);
    } catch (error) {
      // Structured clone refused a payload that prepare let through: fail only that unit.
      if (defs) for (const [id] of defs) slot.known.delete(id);
      for (let i = 0; i < count; i++) {
        const unit = units[i]!;
        unit.state = 'queued';
        this.#queued++;
        try {
          structuredClone(unit.payload);
        } catch (cloneError) {
          unit.finish(true, new DataCloneError('args', (cloneError as Error).message || String(error)));
        }
      }
      this.#queueHead -= count;
      for (let i = 0; i < count; i++) this.#queue[this.#queueHead + i] = units[i]!;
      return units.some((unit) => unit.state === 'done');
    }
    slot.quota -= count;
    if (traceChannel.hasSubscribers) trace('put', 'Pool', this.#host.id, { worker: slot.id, tasks: count });
    return true;
  }

  #onReply(slot: WorkerSlot, reply: ReplyMessage): void {
    const count = reply.values.length;
    const units = slot.takeReported(count);
    const values = reply.shared ? (reviveSync(reply.values) as unknown[]) : reply.values;
    const errors = reply.errors;
    // Per item, not per unit: a map's chunks of 12,500 items and of 1,000 then compare right.
    // Counted first: a settled unit no longer holds its items.
    let items = 0;
    for (let i = 0; i < count; i++) items += units[i]!.items;
    for (let i = 0; i < count; i++) {
      const unit = units[i]!;
      if (unit.state !== 'sent') continue;
      const error = errors?.[i];
      if (error) unit.finish(true, deserializeError(error));
      else unit.finish(false, values[i]);
    }
    const perItem = reply.busy / Math.max(1, items);
    let last = -1;
    for (let i = 0; i < count; i++) {
      const fnId = units[i]!.fnId;
      if (fnId === last) continue;
      last = fnId;
      const before = this.#itemMs[fnId];
      this.#itemMs[fnId] = before === undefined ? perItem : before * 0.7 + perItem * 0.3;
    }
    if (traceChannel.hasSubscribers) trace('get', 'Pool', this.#host.id, { worker: slot.id, tasks: count });
    if (slot.quota <= 0 && slot.pendingCount === 0 && !slot.stopping) void slot.stop();
    this.#pump();
  }

  #onExit(slot: WorkerSlot, crash: WorkerCrashedError | undefined): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
    if (traceChannel.hasSubscribers) trace('exit', 'Pool', this.#host.id, { worker: slot.id, crashed: crash !== undefined });
    if (!this.#ended) {
      const pending = slot.pendingUnits();
      const running = crash ? slot.runningIndex() : -1;
      const again: Unit[] = [];
      for (let i = 0; i < pending.length; i++) {
        const unit = pending[i]!;
        if (unit.state !== 'sent') continue;
        if (i === running) unit.finish(true, crash);
        else again.push(unit);
      }
      // Units that had not run (or whose results were lost with the worker) run again elsewhere.
      // When the worker could not tell which one was running (a process), each runs alone, so
      // that the one that kills its worker again is the one blamed.
      for (const unit of again) {
        unit.state = 'queued';
        if (running === -2) unit.suspect = true;
      }
      this.#queued += again.length;
      this.#queue.splice(this.#queueHead, 0, ...again);
      // A crash may have settled the last unit and closed the engine meanwhile.
      if (!this.#ended && this.#host.wantsWorkers()) {
        if (this.#lazy) this.#grow();
        else this.#fill(this.processes);
      }
      this.#pump();
    }
    this.#checkStopped();
  }
}

function isQueued(unit: Unit): boolean {
  return unit.state === 'queued';
}

function fnIdOf(unit: Unit): number {
  return unit.fnId;
}

function modeOf(unit: Unit): Mode {
  return unit.mode;
}

function payloadOf(unit: Unit): unknown {
  return unit.payload;
}
