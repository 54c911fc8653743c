import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, type MessagePort } from 'node:worker_threads';
import { markDescriptor, type Shareable, type SharedDescriptor } from '@conc/core/internal';
import { inheritedExecArgv } from './exec-argv.js';
import { markHandle, shapeOf } from './handle-shape.js';
import { printException } from './report.js';
import { republish, traceFlag } from './trace-forward.js';

/**
 * The parent's side of child processes. One supervisor worker thread per thread that starts
 * processes forks the children (so their IPC channels and exit events live on an event loop
 * that is never blocked by the parent's `*Sync` calls) and runs the broker serving the
 * parent's @conc objects to them.
 */
let supervisor: Worker | undefined;
let socketPath = '';
let nextHandle = 1;
const handles = new WeakMap<object, Record<string, unknown>>();

/** The supervisor worker, started on first use. @internal */
export function supervisorWorker(): Worker {
  if (supervisor) return supervisor;
  const name = `conc-${process.pid}-${randomBytes(6).toString('hex')}`;
  // Linux's abstract socket namespace leaves no file behind; Windows uses a named pipe.
  socketPath = process.platform === 'linux' ? `\0${name}` : process.platform === 'win32' ? `\\\\.\\pipe\\${name}` : join(tmpdir(), `${name}.sock`);
  supervisor = new Worker(new URL('./supervisor-main.js', import.meta.url), {
    workerData: { socketPath, traceFlag: traceFlag() },
    execArgv: inheritedExecArgv(),
    stdout: false,
    stderr: false,
  });
  supervisor.on('message', (message: { trace?: unknown }) => republish(message.trace));
  supervisor.on('error', (error) => printException('@conc/process: the process supervisor failed:', error));
  supervisor.unref();
  return supervisor;
}

/**
 * A handle standing for `object` in a child process (prepare's `mapDescriptor`): the object
 * is registered with the broker once, and the same handle is reused afterwards.
 * @internal
 */
export function handleFor(descriptor: SharedDescriptor, object: Shareable): Record<string, unknown> {
  // An object whose descriptor holds no shared memory (a manager proxy: an address) crosses
  // to another process as itself; only shared memory needs the broker.
  if (!holdsSharedMemory(descriptor, new Set())) return markDescriptor(descriptor);
  let marked = handles.get(object);
  if (!marked) {
    const worker = supervisorWorker();
    const handle = nextHandle++;
    // Posted before the spawn message, so registered before any child can ask.
    worker.postMessage({ type: 'register', handle, descriptor });
    marked = markHandle(shapeOf(object, descriptor.kind, handle, socketPath));
    handles.set(object, marked);
  }
  return marked;
}

/** What the supervisor needs to start a child. @internal */
export interface SpawnRequest {
  /**
   * `shared`: whether `self` or `args` hold @conc objects (the child revives them);
   * `loader`: the URL of `@conc/core/target` (see `targetLoaderUrl`).
   */
  spec: { target: unknown; self: unknown; args: unknown; shared: boolean; loader: string };
  name: string;
  daemon: boolean;
  identityBase: number;
  execArgv: string[] | undefined;
  /** Words: 0 state, 1 pid, 2 exit code. */
  state: Int32Array;
  port: MessagePort;
}

/** Asks the supervisor to fork a child. @internal */
export function spawnChild(request: SpawnRequest): void {
  supervisorWorker().postMessage({ type: 'spawn', ...request }, [request.port]);
}

function holdsSharedMemory(value: unknown, seen: Set<object>): boolean {
  if (value === null || typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof SharedArrayBuffer) return true;
  if (ArrayBuffer.isView(value)) return value.buffer instanceof SharedArrayBuffer;
  const items = value instanceof Map ? [...value.keys(), ...value.values()] : value instanceof Set ? [...value] : Object.values(value);
  return items.some((item) => holdsSharedMemory(item, seen));
}
