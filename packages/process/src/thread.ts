import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import { StateError, WorkerCrashedError } from '@conc/core';
import {
  checkTimeout, deadlineAfter, deserializeError, loadTarget, threadIdentity, trace, typeName, waitAsync, waitSync, watchWorker, type SerializedError, type TargetDescriptor,
} from '@conc/core/internal';
import { ENDED, RUNNING, THREAD_DATA, identityBase, nameCounters, nextName, ownThreadData, started, type ThreadData } from './context.js';
import { checkName, checkRunOptions, runSpec, type RunOptions } from './options.js';
import { inheritedExecArgv } from './exec-argv.js';
import { printException } from './report.js';
import { targetLoaderUrl } from './target-loader-url.js';
import { childEnded, childStarted, republish, traceFlag } from './trace-forward.js';

/** Options of `new Thread(...)`: Python's `target`, `args`, `name`, `daemon`, plus Node's worker `resourceLimits`. */
export interface ThreadOptions extends RunOptions {
  /** Heap limits of the worker (Node's `resourceLimits`); a thread over them ends with a `WorkerCrashedError` in `exception`. */
  resourceLimits?: ResourceLimits;
}

/** Internal hooks other files of this package use (`Timer`, introspection). @internal */
export const delaySymbol: unique symbol = Symbol('delay');

/** @internal */
export const threadInternals = {
  adopt: undefined as unknown as (name: string, daemon: boolean, ident: number) => Thread,
};

const live = new Set<Thread>();

/** The threads started from this thread and still alive. @internal */
export function liveThreads(): Thread[] {
  return [...live].filter((thread) => thread.isAlive());
}

/**
 * Python's `threading.Thread` on a `worker_threads` worker: real parallelism, sharing memory
 * with its parent through the `@conc` objects passed in `args`.
 *
 * The target runs in a new worker; `args` cross through the transfer protocol (any `@conc` object
 * inside them is the same live object there) and everything else by structured clone.
 * Subclasses override `run()`, which is shipped as source and runs with the instance's own data
 * fields as `this` (so it must be self-contained, like a function target).
 *
 * An uncaught error in the target is printed to stderr as Python prints it
 * (`Exception in thread NAME:` and the stack) and kept in {@link Thread.exception}; it never
 * crashes the parent. Console output of the thread goes straight to the process's stdout and
 * stderr, line by line, in the order it happens (also while the parent is blocked).
 *
 * @example
 * ```ts
 * import { Thread } from '@conc/process';
 * const greet = (who: string) => {
 *   console.log(`hello, ${who}`); // hello, world
 * };
 * const t = new Thread({ target: greet, args: ['world'] });
 * t.start();
 * console.log(await t.join(10_000)); // true
 * ```
 */
export class Thread {
  #target: TargetDescriptor | undefined;
  #args: unknown[];
  #name: string;
  #daemon: boolean;
  #resourceLimits: ResourceLimits | undefined;
  #started = false;
  #ended = false;
  #announced = false;
  #adopted = false;
  #ident: number | null = null;
  #exception: Error | undefined;
  #state: Int32Array | undefined;
  #port: MessagePort | undefined;
  #exited: Promise<void> | undefined;
  #delay: { ms: number; cancel: Int32Array } | undefined;

  /**
   * Creates a thread; nothing runs until {@link Thread.start}. `new Thread()` with no options
   * works (subclasses call `super()`).
   *
   * @param options - `target` (a self-contained function or `{ module, export? }`), `args`
   *   (an array), `name` (a string, default `Thread-N`), `daemon` (a boolean, default the
   *   creating thread's), `resourceLimits` (Node's worker limits).
   * @throws TypeError when the target is neither a function nor a module reference, `args` is
   *   not an array, `name` is not a string or `daemon` not a boolean.
   */
  constructor(options?: ThreadOptions) {
    const checked = checkRunOptions(options, 'Thread');
    const resourceLimits = options?.resourceLimits;
    if (resourceLimits !== undefined && (typeof resourceLimits !== 'object' || resourceLimits === null)) {
      throw new TypeError(`Thread: resourceLimits must be an object, got ${typeName(resourceLimits)}`);
    }
    this.#target = checked.target;
    this.#args = checked.args;
    this.#name = checked.name ?? nextName('Thread');
    this.#daemon = checked.daemon ?? ownThreadData?.daemon ?? false;
    this.#resourceLimits = resourceLimits;
  }

  static {
    threadInternals.adopt = (name, daemon, ident) => {
      const adopted = new Thread({ name, daemon });
      adopted.#adopted = true;
      adopted.#started = true;
      adopted.#ident = ident;
      return adopted;
    };
  }

  /** The thread's name; settable (a string), not unique. */
  get name(): string {
    return this.#name;
  }

  /** Renames it. @param value - The new name: a string. @throws TypeError for a non-string. */
  set name(value: string) {
    checkName(value, 'Thread.name');
    this.#name = value;
  }

  /**
   * Whether this is a daemon thread: it does not keep the parent alive and ends with it.
   * @throws StateError when set after `start()`.
   */
  get daemon(): boolean {
    return this.#daemon;
  }

  /** Sets the daemon flag before `start()`. @param value - A boolean. @throws TypeError for a non-boolean; StateError after `start()`. */
  set daemon(value: boolean) {
    if (typeof value !== 'boolean') throw new TypeError(`Thread.daemon must be a boolean, got ${typeName(value)}`);
    if (this.#started) throw new StateError('Thread.daemon: cannot set daemon status of an active thread');
    this.#daemon = value;
  }

  /** The thread's identity (the same number `trace` events carry), `null` before `start()`. */
  get ident(): number | null {
    return this.#ident;
  }

  /** What the target threw (or why the worker died), once the thread has ended; otherwise `undefined`. */
  get exception(): Error | undefined {
    this.#collect();
    return this.#exception;
  }

  /**
   * Starts the thread: the target (or the overridden `run()`) runs in a new worker.
   * @throws StateError when called a second time.
   * @throws DataCloneError when something in `args` (or, for a subclass, its fields) cannot cross.
   */
  start(): void {
    if (this.#started) throw new StateError(`Thread.start: threads can only be started once (${this.#name})`);
    const spec = runSpec(this, Thread.prototype.run, this.#target, this.#args, 'Thread');
    const state = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(state, 0, RUNNING);
    const { port1, port2 } = new MessageChannel();
    const data: ThreadData = {
      target: spec.target, loader: targetLoaderUrl(), self: spec.self, args: spec.args, shared: spec.shared, name: this.#name, daemon: this.#daemon,
      state, port: port2, traceFlag: traceFlag(), names: nameCounters,
      ...(this.#delay ? { delay: this.#delay.ms, cancel: this.#delay.cancel } : {}),
    };
    const worker = new Worker(new URL('./thread-main.cjs', import.meta.url), {
      workerData: { [THREAD_DATA]: data },
      transferList: [port2],
      // Output is written straight to the file descriptors by the worker (see report.ts).
      stdout: false,
      stderr: false,
      execArgv: inheritedExecArgv(),
      ...(this.#resourceLimits ? { resourceLimits: this.#resourceLimits } : {}),
    });
    // Its locks are taken over once it has exited, however it ends (ATOMICS.md, "When a party dies").
    watchWorker(worker);
    this.#started = true;
    this.#state = state;
    this.#port = port1;
    this.#ident = (identityBase + worker.threadId + 1) | 0;
    // The outcome arrives when the target settles: announce the end then (the worker may
    // live on a little, for the non-daemon threads it started).
    port1.on('message', (outcome: { error?: SerializedError }) => {
      this.#record(outcome);
      this.#announceEnd();
    });
    port1.unref();
    worker.on('message', (message: { trace?: unknown }) => republish(message.trace));
    worker.on('error', (error) => {
      // Errors outside the target's promise (a callback it left behind, out of memory).
      if (this.#exception !== undefined) return;
      const crashed = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new WorkerCrashedError(`thread ${this.#name} ran out of memory (resourceLimits)`, { cause: error })
        : error;
      this.#exception = crashed;
      printException(`Exception in thread ${this.#name}:`, crashed);
    });
    this.#exited = new Promise((resolve) => {
      worker.once('exit', () => {
        this.#finish();
        resolve();
      });
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    if (this.#daemon) worker.unref();
    live.add(this);
    started.count++;
    childStarted();
    trace('start', 'Thread', this.#ident, { name: this.#name, daemon: this.#daemon });
  }

  /**
   * What the thread does; called in the worker. The base version calls the target with the
   * args. Override it in a subclass (self-contained, `this` holds the instance's data fields).
   * Called directly (not through `start()`), it runs the target here, as in Python.
   * @returns What the target returned.
   */
  run(): unknown {
    const target = this.#target;
    if (!target) return undefined;
    return loadTarget(target).then((fn) => fn(...this.#args));
  }

  /**
   * Waits until the thread ends or `timeout` milliseconds pass.
   * @param timeout - Milliseconds; `undefined`/`Infinity` waits for ever.
   * @returns `true` when the thread has ended (Python: `not is_alive()` after `join`).
   * @throws StateError (as a rejection) when the thread was never started or joins itself;
   *   RangeError for a negative or NaN timeout.
   */
  async join(timeout?: number): Promise<boolean> {
    const ms = checkTimeout(timeout, 'Thread.join');
    this.#checkJoinable('Thread.join');
    if (this.#adopted || !this.#exited || !this.#state) return false;
    if (this.#isEnded()) return true;
    if (ms === 0) return false;
    // The end is the state word turning ENDED (the target settled), or the worker's exit when
    // it died otherwise; whichever comes first cancels the other wait.
    const deadline = deadlineAfter(ms);
    const stop = new AbortController();
    void this.#exited.then(() => stop.abort());
    try {
      while (!this.#isEnded()) {
        if ((await waitAsync(this.#state, 0, RUNNING, deadline, stop.signal)) === 'timed-out') break;
      }
    } catch {
      // Aborted: the worker exited (the end came through the 'exit' event).
    }
    return this.#isEnded();
  }

  /**
   * The blocking form of {@link Thread.join} (`Atomics.wait`): for worker threads; on the main
   * thread it blocks the event loop meanwhile.
   * @param timeout - Milliseconds; `undefined`/`Infinity` waits for ever.
   * @returns `true` when the thread has ended.
   * @throws StateError when the thread was never started or joins itself; RangeError for a
   *   negative or NaN timeout.
   */
  joinSync(timeout?: number): boolean {
    const deadline = deadlineAfter(checkTimeout(timeout, 'Thread.joinSync'));
    this.#checkJoinable('Thread.joinSync');
    if (this.#adopted || !this.#state) return false;
    while (!this.#isEnded()) {
      if (waitSync(this.#state, 0, RUNNING, deadline) === 'timed-out') break;
    }
    return this.#isEnded();
  }

  /** Whether the thread is running: from `start()` until its target has settled. */
  isAlive(): boolean {
    if (this.#adopted) return true;
    return this.#started && !this.#isEnded();
  }

  /** What Python's `repr` shows, e.g. `<Thread(Thread-1, started 12)>`. @returns That text. */
  toString(): string {
    const status = !this.#started ? 'initial' : this.isAlive() ? 'started' : 'stopped';
    return `<Thread(${this.#name}, ${status}${this.#daemon ? ' daemon' : ''} ${this.#ident ?? ''})>`.replace(' )', ')');
  }

  /** @internal */
  [delaySymbol](ms: number, cancel: Int32Array): void {
    this.#delay = { ms, cancel };
  }

  #checkJoinable(what: string): void {
    if (!this.#started) throw new StateError(`${what}: cannot join a thread before it is started`);
    if (this.#adopted && this.#ident === threadIdentity()) throw new StateError(`${what}: cannot join the current thread`);
  }

  #isEnded(): boolean {
    if (this.#ended) return true;
    if (this.#state && Atomics.load(this.#state, 0) === ENDED) {
      this.#collect();
      this.#announceEnd();
      return true;
    }
    return false;
  }

  // Reads the target's outcome, which the worker posts before flagging the end, so it can be
  // taken synchronously (also right after joinSync, with the event loop blocked).
  #collect(): void {
    const port = this.#port;
    if (!port) return;
    for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) {
      this.#record(message.message as { error?: SerializedError });
    }
  }

  #record(outcome: { error?: SerializedError }): void {
    if (outcome.error && this.#exception === undefined) this.#exception = deserializeError(outcome.error);
  }

  #announceEnd(): void {
    if (this.#announced) return;
    this.#announced = true;
    live.delete(this);
    childEnded();
    trace('exit', 'Thread', this.#ident ?? 0, { name: this.#name, error: this.#exception !== undefined });
  }

  #finish(): void {
    this.#collect();
    if (this.#ended) return;
    this.#ended = true;
    if (this.#state) Atomics.store(this.#state, 0, ENDED);
    this.#port?.close();
    this.#port = undefined;
    this.#announceEnd();
  }
}
