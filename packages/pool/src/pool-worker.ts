/**
 * The task loop of a pool worker, for both kinds: a `worker_threads` worker (messages on
 * `parentPort`, setup in `workerData`) and a child process (IPC with advanced serialization,
 * setup in the first message). Units of a batch run one after another; results go back in one
 * reply per batch, or sooner when a batch runs long, so callbacks and `imap` stay live.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  DataCloneError,
  loadTarget,
  prepare,
  revive,
  serializeError,
  type SerializedError,
  type TargetDescriptor,
} from '@conc/core/internal';
import { Mode, type BatchMessage, type ReplyMessage, type WorkerSetup } from './protocol.js';

type Fn = (...args: unknown[]) => unknown;

/** A batch running longer than this reports what it has finished so far. */
const FLUSH_MS = 4;

const targets = new Map<number, TargetDescriptor>();
const loaded = new Map<number, Fn>();
const pending: BatchMessage[] = [];
let draining = false;
let initialized: Promise<void> | undefined;
let initDone = false;
let progress: Int32Array | undefined;
let started = 0;
let finished = 0;
let post: (message: unknown, transfer?: ArrayBuffer[]) => void;

if (parentPort) {
  const port = parentPort;
  post = (message, transfer) => port.postMessage(message, transfer);
  start(workerData as WorkerSetup);
  port.on('message', receive);
} else if (process.send) {
  const send = process.send.bind(process);
  post = (message) => void send(message);
  // Report the cause of a crash before dying: the parent only sees an exit code otherwise.
  const die = (error: unknown): void => {
    process.stderr.write(`Exception in pool worker process ${process.pid}:\n${error instanceof Error ? error.stack : String(error)}\n`);
    send({ crashed: serializeError(error) }, () => process.exit(1));
    setTimeout(() => process.exit(1), 1000).unref();
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: { setup?: WorkerSetup } & BatchMessage) => {
    if (message.setup) start(message.setup);
    else receive(message);
  });
}

function start(setup: WorkerSetup): void {
  if (setup.progress) progress = new Int32Array(setup.progress);
  if (!setup.initializer) {
    initDone = true;
    return;
  }
  const initializer = setup.initializer;
  initialized = (async () => {
    try {
      const fn = await loadTarget(initializer);
      const args = (setup.initShared ? await revive(setup.initargs) : setup.initargs) as unknown[];
      await fn(...args);
      initDone = true;
    } catch (error) {
      post({ initFailed: serializeError(error) });
      // Park: the pool is broken and will terminate this worker.
      await new Promise(() => {});
    }
  })();
}

function receive(batch: BatchMessage): void {
  if (batch.defs) for (const [id, descriptor] of batch.defs) targets.set(id, descriptor);
  pending.push(batch);
  if (!draining) void drain();
}

async function drain(): Promise<void> {
  draining = true;
  try {
    if (!initDone) await initialized;
    while (pending.length > 0) {
      const batch = pending.shift()!;
      if (batch.shared) batch.payloads = (await revive(batch.payloads)) as unknown[];
      await runBatch(batch);
    }
  } finally {
    draining = false;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

async function targetOf(id: number): Promise<Fn> {
  const descriptor = targets.get(id);
  if (!descriptor) throw new TypeError(`pool worker: unknown target ${id}`);
  const fn = await loadTarget(descriptor);
  loaded.set(id, fn);
  return fn;
}

/** What a batch has finished and not yet reported. */
class Reply {
  values: unknown[] = [];
  errors: (SerializedError | null)[] | undefined;
  shared = false;
  transfer: ArrayBuffer[] | undefined;
  since = performance.now();

  /** Records a unit's value, made ready to cross. */
  value(value: unknown): void {
    if ((value !== null && typeof value === 'object' && !(value instanceof Float64Array)) || typeof value === 'function' || typeof value === 'symbol') {
      const prepared = prepare(value, 'result');
      if (prepared.shared) this.shared = true;
      value = prepared.value;
    }
    this.values.push(value);
    this.errors?.push(null);
  }

  /** Records a unit's error. */
  error(error: unknown): void {
    this.errors ??= new Array<SerializedError | null>(this.values.length).fill(null);
    this.errors.push(serializeError(error));
    this.values.push(undefined);
  }

  /** Whether the batch has run long enough to report what it has. */
  due(): boolean {
    return performance.now() - this.since > FLUSH_MS;
  }

  /** Sends what it has (possibly nothing, to end a batch) and starts over. */
  flush(): void {
    const now = performance.now();
    send({ values: this.values, errors: this.errors, shared: this.shared, busy: now - this.since }, this.transfer);
    this.values = [];
    this.errors = undefined;
    this.shared = false;
    this.transfer = undefined;
    this.since = now;
  }
}

async function runBatch(batch: BatchMessage): Promise<void> {
  const reply = new Reply();
  const { fns, modes, payloads } = batch;
  const last = payloads.length - 1;
  let u = 0;
  while (u <= last) {
    u = runCalls(fns, modes, payloads, u, reply);
    if (flushDue) {
      flushDue = false;
      reply.flush();
      continue;
    }
    if (u > last) break;
    if (callPending) {
      // runCalls started unit u and it returned a promise.
      callPending = false;
      const promise = stoppedAt as PromiseLike<unknown>;
      stoppedAt = undefined;
      try {
        reply.value(await promise);
      } catch (error) {
        reply.error(error);
      }
      finishUnit();
    } else {
      await runUnit(typeof fns === 'number' ? fns : fns[u]!, typeof modes === 'number' ? modes : modes[u]!, payloads[u] as unknown[], reply);
    }
    u++;
    if (u <= last && reply.due()) reply.flush();
  }
  reply.flush();
}

/** The slow path of one unit: a target still to load, a map chunk. */
async function runUnit(fnId: number, mode: Mode, payload: unknown[], reply: Reply): Promise<void> {
  startUnit();
  try {
    const fn = loaded.get(fnId) ?? (await targetOf(fnId));
    let value: unknown;
    if (mode === Mode.Apply) {
      value = fn(...payload);
      if (isThenable(value)) value = await value;
    } else {
      value = await runChunk(fn, payload, mode === Mode.Starmap);
      if (value instanceof Float64Array) (reply.transfer ??= []).push(value.buffer as ArrayBuffer);
    }
    reply.value(value);
  } catch (error) {
    reply.error(error);
  }
  finishUnit();
}

function startUnit(): void {
  started++;
  if (progress) Atomics.store(progress, 0, started);
}

function finishUnit(): void {
  finished++;
  if (progress) Atomics.store(progress, 1, finished);
}

/** Set by {@link runCalls} when it stopped at a call that returned a promise (in `stoppedAt`). */
let callPending = false;
/** Set by {@link runCalls} when it stopped because the batch is due to report. */
let flushDue = false;

/**
 * Runs the batch's units from `from` on while they are calls of targets already loaded whose
 * results are not promises: a small synchronous loop, which V8 optimizes within a few thousand
 * calls (inside the async `runBatch`, with its `await`s, the same loop stayed cold far longer,
 * and a fresh worker ran most of a burst of tiny tasks unoptimized). Stops at a map chunk or a
 * target not loaded (returns its index, not started), at a call that returned a promise
 * (`callPending`, the promise in `stoppedAt`), or after a unit once the batch is due to report
 * (`flushDue`; returns the next index).
 */
function runCalls(fns: number | number[], modes: Mode | Mode[], payloads: unknown[], from: number, reply: Reply): number {
  const count = payloads.length;
  for (let u = from; u < count; u++) {
    if ((typeof modes === 'number' ? modes : modes[u]) !== Mode.Apply) return u;
    const fn = loaded.get(typeof fns === 'number' ? fns : fns[u]!);
    if (fn === undefined) return u;
    startUnit();
    let value: unknown;
    try {
      value = fn(...(payloads[u] as unknown[]));
    } catch (error) {
      reply.error(error);
      finishUnit();
      continue;
    }
    if (isThenable(value)) {
      stoppedAt = value;
      callPending = true;
      return u;
    }
    try {
      reply.value(value);
    } catch (error) {
      reply.error(error);
    }
    finishUnit();
    if (u < count - 1 && reply.due()) {
      flushDue = true;
      return u + 1;
    }
  }
  return count;
}

/** The result of a call that {@link runNumbers} or {@link runValues} stopped at. */
let stoppedAt: unknown;

/**
 * Runs a map chunk. Results that are all numbers travel as one Float64Array (a copy, not a
 * walk, and moved rather than cloned); the first other value switches to a plain array. The
 * loops are small synchronous functions of their own: V8 optimizes them while they run
 * (on-stack replacement) within a few thousand items, where the same loop inside an async
 * function with an `await` in it stayed unoptimized far longer, so a fresh worker ran most of
 * a map cold. They stop only at a promise, which is awaited here.
 */
async function runChunk(fn: Fn, payload: ArrayLike<unknown>, star: boolean): Promise<Float64Array | unknown[]> {
  const length = payload.length;
  let i = 0;
  if (length > 16 && !star) {
    const packed = new Float64Array(length);
    for (;;) {
      i = runNumbers(fn, payload, packed, i);
      if (i === length) return packed;
      let value = stoppedAt;
      stoppedAt = undefined;
      if (isThenable(value)) value = await value;
      if (typeof value !== 'number') {
        const out = Array.from(packed.subarray(0, i)) as unknown[];
        out.length = length;
        out[i++] = value;
        return finishValues(fn, payload, out, i, false);
      }
      packed[i++] = value;
    }
  }
  return finishValues(fn, payload, new Array<unknown>(length), 0, star);
}

/** Runs the rest of a chunk from `from` on into a plain array, awaiting promises in place. */
async function finishValues(fn: Fn, payload: ArrayLike<unknown>, out: unknown[], from: number, star: boolean): Promise<unknown[]> {
  let i = from;
  while (i < payload.length) {
    i = runValues(fn, payload, out, i, star);
    if (i === payload.length) break;
    const value = stoppedAt;
    stoppedAt = undefined;
    out[i++] = await (value as PromiseLike<unknown>);
  }
  return out;
}

/** `out[i] = fn(items[i])` from `from` on, up to the first result that is not a number (left in `stoppedAt`). */
function runNumbers(fn: Fn, items: ArrayLike<unknown>, out: Float64Array, from: number): number {
  for (let i = from; i < items.length; i++) {
    const value = fn(items[i]);
    if (typeof value !== 'number') {
      stoppedAt = value;
      return i;
    }
    out[i] = value;
  }
  return items.length;
}

/** `out[i] = fn(items[i])` (or `fn(...items[i])`) from `from` on, up to the first thenable (left in `stoppedAt`). */
function runValues(fn: Fn, items: ArrayLike<unknown>, out: unknown[], from: number, star: boolean): number {
  for (let i = from; i < items.length; i++) {
    const value = star ? fn(...(items[i] as unknown[])) : fn(items[i]);
    if (isThenable(value)) {
      stoppedAt = value;
      return i;
    }
    out[i] = value;
  }
  return items.length;
}

/** Posts a reply; a value that structured clone refuses fails its own unit, not the batch. */
function send(reply: ReplyMessage, transfer?: ArrayBuffer[]): void {
  try {
    post(reply, transfer);
  } catch (error) {
    const errors = reply.errors ?? new Array<SerializedError | null>(reply.values.length).fill(null);
    for (let i = 0; i < reply.values.length; i++) {
      try {
        structuredClone(reply.values[i]);
      } catch (cloneError) {
        reply.values[i] = undefined;
        errors[i] = serializeError(new DataCloneError('result', (cloneError as Error).message || String(error)));
      }
    }
    reply.errors = errors;
    post(reply);
  }
}
