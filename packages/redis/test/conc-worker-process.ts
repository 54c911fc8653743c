import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../dist/conc-worker.js', import.meta.url));

/** A `conc-worker` process: another machine, as far as the pool can tell. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Resolves once it says it serves. */
  readonly ready: Promise<void>;
  /** Resolves with its exit code or signal. */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
  /** What it wrote on stderr so far. */
  stderr(): string;
}

export function startWorker(args: string[], env: Record<string, string> = {}, cwd?: string): WorkerProcess {
  const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    if (err.includes('serving queue')) markReady();
  });
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  void exited.then(() => markReady());
  return {
    child,
    ready,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    stderr: () => err,
  };
}
