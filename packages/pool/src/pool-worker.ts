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

async function runBatch(batch: BatchMessage): Promise<void> {
  let values: unknown[] = [];
  let errors: (SerializedError | null)[] | undefined;
  let shared = false;
  let transfer: ArrayBuffer[] | undefined;
  let since = performance.now();
  const flush = (): void => {
    const now = performance.now();
    send({ values, errors, shared, busy: now - since }, transfer);
    values = [];
    errors = undefined;
    shared = false;
    transfer = undefined;
    since = now;
  };
  const { fns, modes, payloads } = batch;
  for (let u = 0; u < fns.length; u++) {
    started++;
    if (progress) Atomics.store(progress, 0, started);
    try {
      const fn = loaded.get(fns[u]!) ?? (await targetOf(fns[u]!));
      const payload = payloads[u] as unknown[];
      let value: unknown;
      if (modes[u] === Mode.Apply) {
        value = fn(...payload);
        if (isThenable(value)) value = await value;
      } else {
        value = await runChunk(fn, payload, modes[u] === Mode.Starmap);
        if (value instanceof Float64Array) (transfer ??= []).push(value.buffer as ArrayBuffer);
      }
      if (value !== null && typeof value === 'object' && !(value instanceof Float64Array) || typeof value === 'function' || typeof value === 'symbol') {
        const prepared = prepare(value, 'result');
        if (prepared.shared) shared = true;
        value = prepared.value;
      }
      values.push(value);
      errors?.push(null);
    } catch (error) {
      errors ??= new Array<SerializedError | null>(values.length).fill(null);
      errors.push(serializeError(error));
      values.push(undefined);
    }
    finished++;
    if (progress) Atomics.store(progress, 1, finished);
    if (performance.now() - since > FLUSH_MS && u < fns.length - 1) flush();
  }
  flush();
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
