import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { ConcError, StateError } from '@conc/core';
import {
  checkTimeout, deadlineAfter, deserializeError, loadTarget, trace, typeName, waitSync, type SerializedError, type TargetDescriptor,
} from '@conc/core/internal';
import { ENDED, NOT_STARTED, RUNNING, identityBase, nextName, started } from './context.js';
import { checkName, checkRunOptions, runSpec, type RunOptions } from './options.js';
import { handleFor, spawnChild } from './supervisor.js';
import { targetLoaderUrl } from './target-loader-url.js';
import { childEnded, childStarted, traceFlag } from './trace-forward.js';

/** Options of `new Process(...)`: Python's `target`, `args`, `name`, `daemon`, plus the child's Node options. */
export interface ProcessOptions extends RunOptions {
  /** Node options of the child (default: the parent's, minus `-e`/`--input-type`...), e.g. `['--max-old-space-size=64']`. */
  execArgv?: string[];
}

const live = new Set<Process>();
let children = 0;

/** The processes started from this thread and still alive. @internal */
export function liveProcesses(): Process[] {
  return [...live].filter((p) => p.isAlive());
}

/** @internal */
export const processInternals = {
  adopt: undefined as unknown as (name: string, daemon: boolean, pid: number) => Process,
};

/**
 * Python's `multiprocessing.Process`: a separate OS process (`child_process.fork`, IPC with
 * `serialization: 'advanced'`), sharing nothing with its parent.
 *
 * `args` cross by structured clone, except `@conc` objects (`Lock`, `Event`, `Queue`, ...): those
 * stay in the parent and the child gets stand-ins that call them through a broker running on
 * a worker thread of the parent, so they keep working while the parent's main thread is
 * blocked in a `*Sync` call. In the child their async methods return Promises as usual and
 * their `*Sync` and other synchronous methods block the calling thread until the broker
 * answers. A lock still held by a child when it ends or dies is released by the broker.
 *
 * An uncaught error in the target is printed as Python prints it (`Process NAME:` and the
 * stack), kept in {@link Process.exception}, and gives `exitCode === 1`. The child's console
 * output goes straight to the parent's stdout and stderr (inherited descriptors), in order.
 *
 * @example
 * ```ts
 * import { Process } from '@conc/process';
 * const greet = (who: string) => {
 *   console.log(`hello, ${who}`); // hello, bob
 * };
 * const p = new Process({ target: greet, args: ['bob'] });
 * p.start();
 * await p.join();
 * console.log(p.exitCode); // 0
 * ```
 */
export class Process {
  #target: TargetDescriptor | undefined;
  #args: unknown[];
  #name: string;
  #daemon: boolean;
  #execArgv: string[] | undefined;
  #started = false;
  #closed = false;
  #ended = false;
  #adopted = false;
  #pid: number | null = null;
  #exception: Error | undefined;
  #state: Int32Array | undefined;
  #port: MessagePort | undefined;
  #exited: Promise<void> | undefined;

  /**
   * Creates a process; nothing runs until {@link Process.start}.
   *
   * @param options - `target` (a self-contained function or `{ module, export? }`), `args`
   *   (an array), `name` (a string, default `Process-N`), `daemon` (a boolean), `execArgv`.
   * @throws TypeError when the target is neither a function nor a module reference, `args` is
   *   not an array, `name` is not a string, `daemon` not a boolean or `execArgv` not an array of strings.
   */
  constructor(options?: ProcessOptions) {
    const checked = checkRunOptions(options, 'Process');
    const execArgv = options?.execArgv;
    if (execArgv !== undefined && (!Array.isArray(execArgv) || execArgv.some((arg) => typeof arg !== 'string'))) {
      throw new TypeError(`Process: execArgv must be an array of strings, got ${typeName(execArgv)}`);
    }
    this.#target = checked.target;
    this.#args = checked.args;
    this.#name = checked.name ?? nextName('Process');
    this.#daemon = checked.daemon ?? process.env['CONC_PROCESS_DAEMON'] === '1';
    this.#execArgv = execArgv ? [...execArgv] : undefined;
  }

  static {
    processInternals.adopt = (name, daemon, pid) => {
      const adopted = new Process({ name, daemon });
      adopted.#adopted = true;
      adopted.#started = true;
      adopted.#pid = pid;
      return adopted;
    };
  }

  /** The process's name; settable (a string). */
  get name(): string {
    return this.#name;
  }

  /** Renames it. @param value - The new name: a string. @throws TypeError for a non-string. */
  set name(value: string) {
    checkName(value, 'Process.name');
    this.#name = value;
  }

  /**
   * Whether this is a daemon process: it does not keep the parent alive and is ended when the
   * parent exits.
   * @throws StateError when set after `start()`.
   */
  get daemon(): boolean {
    return this.#daemon;
  }

  /** Sets the daemon flag before `start()`. @param value - A boolean. @throws TypeError for a non-boolean; StateError after `start()`. */
  set daemon(value: boolean) {
    if (typeof value !== 'boolean') throw new TypeError(`Process.daemon must be a boolean, got ${typeName(value)}`);
    if (this.#started) throw new StateError('Process.daemon: cannot set daemon status of a started process');
    this.#daemon = value;
  }

  /** The OS process id, `null` before `start()`. */
  get pid(): number | null {
    return this.#pid;
  }

  /** Python's `ident`: the same as {@link Process.pid}. */
  get ident(): number | null {
    return this.#pid;
  }

  /**
   * `null` while running (or before start), `0` after a normal end, `1` after an uncaught
   * error, the code given to `process.exit(code)`, or `-N` when ended by signal N (`-15` after
   * `terminate()`, `-9` after `kill()`).
   */
  get exitCode(): number | null {
    if (!this.#started || this.#adopted || !this.#isEnded()) return null;
    return Atomics.load(this.#state!, 2);
  }

  /** What the target threw, once the process has ended; otherwise `undefined`. */
  get exception(): Error | undefined {
    this.#collect();
    return this.#exception;
  }

  /**
   * Starts the process and returns once it exists (its `pid` is known).
   * @throws StateError when called a second time or after `close()`.
   * @throws DataCloneError when something in `args` cannot cross.
   */
  start(): void {
    this.#checkOpen('Process.start');
    if (this.#started) throw new StateError(`Process.start: a process can only be started once (${this.#name})`);
    const spec = runSpec(this, Process.prototype.run, this.#target, this.#args, 'Process', { mapDescriptor: handleFor });
    const state = new Int32Array(new SharedArrayBuffer(16));
    const { port1, port2 } = new MessageChannel();
    // Fresh before the supervisor reads it for the child's start message.
    traceFlag();
    const childBase = nextIdentityBase();
    spawnChild({
      spec: { target: spec.target, self: spec.self, args: spec.args, shared: spec.shared, loader: targetLoaderUrl() },
      name: this.#name,
      daemon: this.#daemon,
      identityBase: childBase,
      execArgv: this.#execArgv,
      state,
      port: port2,
    });
    // The supervisor forks on its own thread; Python's start() also returns after the fork.
    const deadline = deadlineAfter(60_000);
    while (Atomics.load(state, 0) === NOT_STARTED) {
      if (waitSync(state, 0, NOT_STARTED, deadline) === 'timed-out') throw new ConcError(`Process.start: ${this.#name} did not start within 60 s`);
    }
    this.#started = true;
    this.#state = state;
    this.#port = port1;
    this.#pid = Atomics.load(state, 1);
    if (this.#pid < 0) {
      // The fork itself failed (Python raises OSError from start()).
      waitSync(state, 0, RUNNING, deadlineAfter(5_000));
      this.#collect();
      throw new ConcError(`Process.start: ${this.#exception?.message ?? `could not start ${this.#name}`}`, { cause: this.#exception });
    }
    this.#exited = new Promise((resolve) => {
      port1.on('message', (outcome: { error?: SerializedError }) => {
        this.#record(outcome);
        this.#finish();
        resolve();
      });
    });
    // A non-daemon child keeps the parent alive through this port; a daemon does not.
    if (this.#daemon) port1.unref();
    live.add(this);
    started.count++;
    childStarted();
    // `identity`: what the events of the child's main thread carry as their `thread`.
    trace('start', 'Process', this.#pid, { name: this.#name, daemon: this.#daemon, pid: this.#pid, identity: (childBase + 1) | 0 });
  }

  /**
   * What the process does; called in the child. The base version calls the target with the
   * args; override it in a subclass (self-contained, `this` holds the instance's data fields).
   * @returns What the target returned.
   */
  run(): unknown {
    const target = this.#target;
    if (!target) return undefined;
    return loadTarget(target).then((fn) => fn(...this.#args));
  }

  /**
   * Waits until the process ends or `timeout` milliseconds pass.
   * @param timeout - Milliseconds; `undefined`/`Infinity` waits for ever.
   * @returns `true` when the process has ended.
   * @throws StateError (as a rejection) before `start()` or after `close()`; RangeError for a
   *   negative or NaN timeout.
   */
  async join(timeout?: number): Promise<boolean> {
    const ms = checkTimeout(timeout, 'Process.join');
    this.#checkJoinable('Process.join');
    if (this.#isEnded()) return true;
    if (ms === 0 || !this.#exited) return false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = ms === Infinity ? new Promise<void>(() => {}) : new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    try {
      await Promise.race([this.#exited, timedOut]);
    } finally {
      clearTimeout(timer);
    }
    return this.#isEnded();
  }

  /**
   * The blocking form of {@link Process.join}.
   * @param timeout - Milliseconds; `undefined`/`Infinity` waits for ever.
   * @returns `true` when the process has ended.
   * @throws StateError before `start()` or after `close()`; RangeError for a negative or NaN timeout.
   */
  joinSync(timeout?: number): boolean {
    const deadline = deadlineAfter(checkTimeout(timeout, 'Process.joinSync'));
    this.#checkJoinable('Process.joinSync');
    if (this.#adopted) return false;
    while (!this.#isEnded()) {
      if (waitSync(this.#state!, 0, RUNNING, deadline) === 'timed-out') break;
    }
    return this.#isEnded();
  }

  /** Whether the process is running: from `start()` until it has exited. */
  isAlive(): boolean {
    if (this.#adopted) return true;
    return this.#started && !this.#isEnded();
  }

  /** Ends the process with SIGTERM (`exitCode` -15); nothing when it has ended. */
  terminate(): void {
    this.#signal('SIGTERM', 'Process.terminate');
  }

  /** Ends the process with SIGKILL (`exitCode` -9); nothing when it has ended. */
  kill(): void {
    this.#signal('SIGKILL', 'Process.kill');
  }

  /**
   * Releases the process object's resources (Python's `close()`); most methods are a
   * `StateError` afterwards.
   * @throws StateError while the process is still running.
   */
  close(): void {
    if (this.#closed) return;
    if (this.isAlive() && !this.#adopted) throw new StateError(`Process.close: cannot close a process while it is still running (${this.#name}); join() or terminate() it first`);
    this.#collect();
    this.#closed = true;
  }

  /** What Python's `repr` shows, e.g. `<Process name='Process-1' started>`. @returns That text. */
  toString(): string {
    const status = !this.#started ? 'initial' : this.isAlive() ? 'started' : `stopped exitcode=${this.exitCode}`;
    return `<Process name='${this.#name}' ${status}${this.#daemon ? ' daemon' : ''}>`;
  }

  #signal(signal: NodeJS.Signals, what: string): void {
    this.#checkOpen(what);
    if (!this.#started || this.#adopted || this.#isEnded() || this.#pid === null || this.#pid <= 0) return;
    try {
      process.kill(this.#pid, signal);
    } catch {
      // It ended meanwhile.
    }
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new StateError(`${what}: the process object is closed`);
  }

  #checkJoinable(what: string): void {
    this.#checkOpen(what);
    if (!this.#started) throw new StateError(`${what}: can only join a started process`);
    if (this.#adopted) throw new StateError(`${what}: cannot join the current or parent process`);
  }

  #isEnded(): boolean {
    if (this.#ended) return true;
    if (this.#state && Atomics.load(this.#state, 0) === ENDED) {
      this.#collect();
      return true;
    }
    return false;
  }

  #record(outcome: { error?: SerializedError }): void {
    if (outcome.error && this.#exception === undefined) this.#exception = deserializeError(outcome.error);
  }

  #collect(): void {
    const port = this.#port;
    if (!port) return;
    const message = receiveMessageOnPort(port);
    if (message) {
      this.#record(message.message as { error?: SerializedError });
      this.#finish();
    }
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#port?.close();
    this.#port = undefined;
    live.delete(this);
    childEnded();
    trace('exit', 'Process', this.#pid ?? 0, { name: this.#name, exitCode: this.exitCode });
  }
}

// Identities must differ across processes (core adds the thread id to the base): 2^20 thread
// ids per process, the next bases for the children of this one.
function nextIdentityBase(): number {
  children++;
  const slot = ((((identityBase >>> 20) * 31 + children) % 2047) + 1) | 0;
  return slot << 20;
}
