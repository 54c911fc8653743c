/**
 * Running a manager server for `Manager.start`: in a worker thread of this process or in a
 * child process of its own (both run server-main.ts), until `stop()`.
 * @internal
 */
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConcError } from '@conc/core';
import { deserializeError, type SerializedError } from '@conc/core/internal';
import { privateSocketPath, type ManagerAddress } from './address.js';
import type { ServerConfig } from './server/server.js';

/** A server started by {@link startServer}. */
export interface RunningServer {
  /** Where it listens (the real port when port 0 was asked). */
  readonly address: ManagerAddress;
  /** Shuts it down and removes its private socket directory, if it had one. */
  stop(): Promise<void>;
}

type Ready = { type: 'waiting' } | { type: 'ready'; address: ManagerAddress } | { type: 'error'; error: SerializedError } | { type: 'closed' };

const serverEntry = new URL('./server-main.js', import.meta.url);

// Socket directories of servers still running: a program that exits without shutting its
// managers down leaves no directory behind.
const leftBehind = new Set<string>();
process.once('exit', () => {
  for (const dir of leftBehind) rmSync(dir, { recursive: true, force: true });
});

/**
 * Starts a server and resolves once it listens.
 *
 * @param kind - A worker thread of this process or a child process.
 * @param config - What it serves; with no `address`, a Unix socket in a new owner-only
 *   temporary directory, removed when the server stops (or this process exits).
 * @throws (rejects) the server's listen error, or a ConcError when it exits before it listens;
 *   nothing is left running then.
 */
export async function startServer(kind: 'thread' | 'process', config: Omit<ServerConfig, 'address' | 'privateDir'> & { address?: ManagerAddress }): Promise<RunningServer> {
  const address = config.address ?? { path: privateSocketPath() };
  const privateDir = config.address === undefined && 'path' in address ? dirname(address.path) : undefined;
  if (privateDir) leftBehind.add(privateDir);
  const removeDir = (): void => {
    if (!privateDir) return;
    rmSync(privateDir, { recursive: true, force: true });
    leftBehind.delete(privateDir);
  };
  const full: ServerConfig = { ...config, address, privateDir };
  let started: RunningServer;
  try {
    started = kind === 'thread' ? await startThread(full) : await startProcess(full);
  } catch (error) {
    removeDir();
    throw error;
  }
  return {
    address: started.address,
    stop: async () => {
      await started.stop();
      removeDir();
    },
  };
}

async function startThread(config: ServerConfig): Promise<RunningServer> {
  const worker = new Worker(serverEntry, { workerData: config, name: 'conc-manager' });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let onMessage!: (message: Ready) => void;
  let onExit!: (code: number) => void;
  const address = await new Promise<ManagerAddress>((resolve, reject) => {
    onMessage = (message) => {
      if (message.type === 'ready') resolve(message.address);
      else if (message.type === 'error') reject(deserializeError(message.error));
    };
    onExit = (code) => reject(new ConcError(`the manager server thread exited with code ${code} before it was ready`));
    worker.on('message', onMessage);
    worker.on('error', reject);
    worker.on('exit', onExit);
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  worker.off('message', onMessage);
  worker.off('exit', onExit);
  worker.on('error', () => {});
  // The server must not keep the program alive: Python's manager also ends with its parent.
  worker.unref();
  return {
    address,
    stop: async () => {
      const closed = new Promise<void>((resolve) => {
        worker.on('message', (message: Ready) => message.type === 'closed' && resolve());
        void exited.then(resolve);
        setTimeout(resolve, 5000).unref();
      });
      worker.ref();
      worker.postMessage({ type: 'shutdown' });
      await closed;
      await worker.terminate();
    },
  };
}

async function startProcess(config: ServerConfig): Promise<RunningServer> {
  const child: ChildProcess = fork(fileURLToPath(serverEntry), [], {
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: process.execArgv.filter((arg) => !arg.startsWith('--inspect')),
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let onMessage!: (message: Ready) => void;
  let onExit!: (code: number | null, signal: NodeJS.Signals | null) => void;
  const address = await new Promise<ManagerAddress>((resolve, reject) => {
    onMessage = (message) => {
      if (message.type === 'waiting') child.send(config);
      else if (message.type === 'ready') resolve(message.address);
      else if (message.type === 'error') reject(deserializeError(message.error));
    };
    onExit = (code, signal) => reject(new ConcError(`the manager server process exited (${signal ?? code}) before it was ready`));
    child.on('message', onMessage);
    child.on('error', reject);
    child.on('exit', onExit);
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  child.off('message', onMessage);
  child.off('exit', onExit);
  child.on('error', () => {});
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  return {
    address,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.ref();
        if (child.connected) child.send({ type: 'shutdown' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
