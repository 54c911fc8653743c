/**
 * Real worker threads for contenders: ship a self-contained function to a fresh `Worker`,
 * hold every worker at a start gate until all are ready, and time only the work.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** What a shipped function receives in its worker. */
export interface WorkerContext<D> {
  /** The `data` given to {@link spawn} (structured-cloned; SharedArrayBuffers are shared). */
  data: D;
  /** Says "set up, ready" and blocks until the parent opens the start gate. */
  ready(): void;
  /** `import(url)`: load modules through this (see {@link moduleUrl}), never with a bare `import()`. */
  load(url: string): Promise<any>;
  /** Posts a message to the parent, for contenders that talk over the worker's own port. */
  send(value: unknown): void;
  /** The worker's `parentPort`. */
  port: import('node:worker_threads').MessagePort;
}

/** A function shipped to a worker as source: it must not use anything from its enclosing scope. */
export type WorkerFunction<D, R> = (context: WorkerContext<D>) => R | Promise<R>;

/** A started worker. */
export interface Spawned<R> {
  worker: Worker;
  /** Resolves when the function has called `ready()` (or finished). */
  ready: Promise<void>;
  /** The function's return value; rejects with its error, or when the worker dies. */
  result: Promise<R>;
}

// Runs in the worker as a CommonJS script. It defines esbuild's helpers because tsx and
// vitest compile the shipped functions with esbuild, which may insert `__name(...)` calls.
const PRELUDE = `
const { parentPort, workerData } = require('node:worker_threads');
var __name = (target, value) => Object.defineProperty(target, 'name', { value, configurable: true });
var __publicField = (obj, key, value) => (obj[typeof key !== 'symbol' ? key + '' : key] = value);
const gate = new Int32Array(workerData.gate);
const context = {
  data: workerData.data,
  port: parentPort,
  ready() { parentPort.postMessage({ type: 'ready' }); Atomics.wait(gate, 0, 0); },
  load: (url) => import(url),
  send: (value) => parentPort.postMessage({ type: 'message', value }),
};
`;

const EPILOGUE = `
Promise.resolve().then(() => shipped(context)).then(
  (value) => parentPort.postMessage({ type: 'result', value }),
  (error) => parentPort.postMessage({ type: 'error', message: String(error && error.stack || error) }),
);
`;

/** A start gate shared by a group of workers: one Int32 word, 0 closed, 1 open. */
export function createGate(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

/** Opens a gate made by {@link createGate}: every worker blocked in `ready()` starts. */
export function openGate(gate: SharedArrayBuffer): void {
  const word = new Int32Array(gate);
  Atomics.store(word, 0, 1);
  Atomics.notify(word, 0);
}

/**
 * Starts `fn` in a new worker thread with `data`. `fn` is shipped as source, so it must be
 * self-contained; it loads modules with `context.load(moduleUrl('...'))`.
 *
 * @param fn - The self-contained function to run.
 * @param data - Its `context.data`.
 * @param options - `gate`: a shared start gate (see {@link runGated}); others go to `Worker`.
 * @returns The worker, a promise of its readiness and one of its result.
 */
export function spawn<D, R>(
  fn: WorkerFunction<D, R>,
  data: D,
  options: WorkerOptions & { gate?: SharedArrayBuffer; onMessage?: (value: unknown) => void } = {},
): Spawned<R> {
  const { gate = createGate(), onMessage, ...workerOptions } = options;
  const source = `${PRELUDE}\nconst shipped = (${fn.toString()});\n${EPILOGUE}`;
  const worker = new Worker(source, { ...workerOptions, eval: true, workerData: { gate, data } });
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const result = new Promise<R>((resolve, reject) => {
    let settled = false;
    worker.on('message', (message: { type: string; value?: unknown; message?: string }) => {
      if (message.type === 'ready') markReady();
      else if (message.type === 'message') onMessage?.(message.value);
      else if (message.type === 'result') {
        settled = true;
        markReady();
        resolve(message.value as R);
      } else if (message.type === 'error') {
        settled = true;
        markReady();
        reject(new Error(`worker failed: ${message.message}`));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      markReady();
      reject(error);
    });
    worker.on('exit', (code) => {
      markReady();
      if (!settled) reject(new Error(`worker exited with code ${code} before its result`));
    });
  });
  // The caller may stop listening after the first failure; the others must not go unhandled.
  result.catch(() => {});
  return { worker, ready, result };
}

/**
 * Starts one worker per entry, waits until all are ready, then opens their common gate and
 * times until every one has returned. Worker start-up is outside the time; the workers are
 * terminated afterwards.
 *
 * @param entries - `[fn, data, options?]`, one per worker (options go to `Worker`, e.g. a `transferList`).
 * @returns The milliseconds from the gate opening to the last result, and the results in order.
 */
export async function runGated<R>(
  entries: [WorkerFunction<any, R>, unknown, WorkerOptions?][],
): Promise<{ ms: number; results: R[] }> {
  const gate = createGate();
  const spawned = entries.map(([fn, data, options]) => spawn(fn, data, { ...options, gate }));
  try {
    await Promise.all(spawned.map((s) => Promise.race([s.ready, s.result.then(() => undefined)])));
    const start = performance.now();
    openGate(gate);
    const results = await Promise.all(spawned.map((s) => s.result));
    return { ms: performance.now() - start, results };
  } finally {
    await Promise.all(spawned.map((s) => s.worker.terminate()));
  }
}

const require = createRequire(import.meta.url);

/**
 * The `file:` URL of a module as the bench app resolves it (`'@conc/core/internal'`,
 * `'piscina'`), for `context.load()` in a worker or for a pool's worker file.
 *
 * @param specifier - A package name or subpath.
 * @returns An absolute `file:` URL.
 */
export function moduleUrl(specifier: string): string {
  return pathToFileURL(require.resolve(specifier)).href;
}
