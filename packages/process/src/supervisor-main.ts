/**
 * The supervisor worker: forks the children of its parent thread, keeps their IPC channels,
 * reports their ends in shared state words (readable by a parent blocked in `joinSync`), and
 * runs the broker (once the first @conc object crosses to a child).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { SerializedError } from '@conc/core/internal';
import type { Broker } from './broker.js';
import { ENDED, RUNNING } from './context.js';
import { inheritedExecArgv } from './exec-argv.js';
import type { SpawnRequest } from './supervisor.js';

const { socketPath, traceFlag } = workerData as { socketPath: string; traceFlag: Int32Array };
let broker: Promise<Broker> | undefined;
const children = new Set<ChildProcess>();
const childMain = new URL('./child-main.cjs', import.meta.url);

let tracing = false;
const forwardTrace = (event: unknown): void => parentPort!.postMessage({ trace: event });
let brokerTracing = false;
setInterval(() => {
  const now = Atomics.load(traceFlag, 0) === 1;
  if (broker && now !== brokerTracing) {
    brokerTracing = now;
    void broker.then((ready) => ready.traceTo(now ? forwardTrace : undefined), () => {});
  }
  if (now === tracing) return;
  tracing = now;
  for (const child of children) if (child.connected) child.send({ type: 'trace', on: now }, () => {});
}, 100).unref();

/**
 * The broker, started with the first @conc object passed to a child: the supervisor of
 * children that share none starts (and forks the first one) without loading it and the core.
 */
function startedBroker(): Promise<Broker> {
  return (broker ??= import('./broker.js').then(async (module) => {
    const server = new module.Broker(socketPath);
    // The operations it runs for children are traced as theirs (the parent refreshed the flag
    // before asking for the first child that shares an object).
    brokerTracing = Atomics.load(traceFlag, 0) === 1;
    server.traceTo(brokerTracing ? forwardTrace : undefined);
    await server.listen();
    return server;
  }));
}

// Messages come in order: an object's 'register' before the 'spawn' of a child it is passed
// to, and callbacks on one promise run in order, so it is registered before the child forks.
parentPort!.on('message', (message: { type: string } & Record<string, unknown>) => {
  if (message.type === 'register') {
    // A broker that failed to start is reported to the child's start (below).
    void startedBroker().then((ready) => ready.register(message['handle'] as number, message['descriptor'] as never), () => {});
  } else if (message.type === 'spawn') {
    const request = message as unknown as SpawnRequest;
    if (!broker) spawn(request);
    else void broker.then(() => spawn(request), (error: Error) => spawn(request, error));
  }
});

// In this order: a parent woken by the message reads the exit code, and a parent woken by the
// state word (joinSync) finds the message.
function end(request: SpawnRequest, exitCode: number, error: SerializedError | undefined): void {
  Atomics.store(request.state, 2, exitCode);
  request.port.postMessage({ exitCode, error });
  request.port.close();
  Atomics.store(request.state, 0, ENDED);
  Atomics.notify(request.state, 0);
}

function spawn(request: SpawnRequest, brokerFailure?: Error): void {
  const { state } = request;
  let child: ChildProcess;
  try {
    if (brokerFailure) throw brokerFailure;
    child = fork(childMain, [], {
      serialization: 'advanced',
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      execArgv: request.execArgv ?? inheritedExecArgv(),
      env: { ...process.env, CONC_IDENTITY_BASE: String(request.identityBase), CONC_PROCESS_NAME: request.name, CONC_PROCESS_DAEMON: request.daemon ? '1' : '0' },
    });
  } catch (error) {
    Atomics.store(state, 1, -1);
    end(request, 1, { name: (error as Error).name, message: `could not start process ${request.name}: ${(error as Error).message}` });
    return;
  }
  children.add(child);
  let error: SerializedError | undefined;
  let started = false;
  const publishPid = (pid: number): void => {
    if (started) return;
    started = true;
    Atomics.store(state, 1, pid);
    Atomics.store(state, 0, RUNNING);
    Atomics.notify(state, 0);
  };
  if (child.pid !== undefined) publishPid(child.pid);
  child.on('message', (message: { type: string; error?: SerializedError; event?: unknown }) => {
    if (message.type === 'error') error = message.error;
    else if (message.type === 'trace') parentPort!.postMessage({ trace: message.event });
  });
  child.on('error', (failure) => {
    if (started) return;
    publishPid(-1);
    children.delete(child);
    end(request, 1, { name: failure.name, message: `could not start process ${request.name}: ${failure.message}` });
  });
  child.on('exit', (code, signal) => {
    children.delete(child);
    publishPid(-1);
    const exitCode = signal ? -(constants.signals[signal] ?? 1) : (code ?? 1);
    end(request, exitCode, error);
  });
  child.send({ type: 'start', ...request.spec, name: request.name, daemon: request.daemon, trace: Atomics.load(traceFlag, 0) === 1 });
  tracing ||= Atomics.load(traceFlag, 0) === 1;
}
