/**
 * The entry point of a manager server: run as a worker thread (`kind: 'thread'`, config in
 * `workerData`) or as a child process (`kind: 'process'`, config in the first IPC message,
 * so the authkey never shows in the process list).
 * @internal
 */
import { rmSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '@conc/core/internal';
import { ManagerServer, type ServerConfig } from './server/server.js';

type Control = { type: 'shutdown' };

function serve(config: ServerConfig, send: (message: unknown) => void, onShutdown: (stop: () => Promise<void>) => void): void {
  const server = new ManagerServer(config);
  server.listen().then(
    (address) => {
      send({ type: 'ready', address });
      onShutdown(() => server.close());
    },
    (error: unknown) => send({ type: 'error', error: serializeError(error) }),
  );
}

if (parentPort) {
  const port = parentPort;
  serve(workerData as ServerConfig, (message) => port.postMessage(message), (stop) => {
    port.on('message', (message: Control) => {
      if (message.type === 'shutdown') void stop().then(() => port.postMessage({ type: 'closed' }));
    });
  });
} else if (process.send) {
  let privateDir: string | undefined;
  // The parent going away (even killed) closes the IPC channel: the server goes with it, and
  // removes the socket directory the parent can no longer remove.
  process.on('disconnect', () => {
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
    process.exit(0);
  });
  process.once('message', (config: ServerConfig) => {
    privateDir = config.privateDir;
    serve(config, (message) => process.send?.(message), (stop) => {
      process.on('message', (message: Control) => {
        if (message.type === 'shutdown') void stop().then(() => process.exit(0));
      });
    });
  });
  // Only now ask for the config: a message sent before a listener exists would be lost.
  process.send({ type: 'waiting' });
}
