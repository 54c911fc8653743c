/**
 * The helper worker of a {@link BrokerClient}: owns the socket to the broker, forwards
 * requests from its thread and routes each answer back (sync answers with a wake-up).
 */
import { createConnection } from 'node:net';
import { workerData, type MessagePort } from 'node:worker_threads';
import { readFrames, sendFrame, type CallRequest, type CallResponse } from './wire.js';

const { socket: path, word, asyncPort, syncPort } = workerData as { socket: string; word: Int32Array; asyncPort: MessagePort; syncPort: MessagePort };
const socket = createConnection(path);
const syncIds = new Set<number>();
const asyncIds = new Set<number>();
let broken: string | undefined;

function answer(response: CallResponse): void {
  if (syncIds.delete(response.id)) {
    syncPort.postMessage(response);
    Atomics.store(word, 0, 1);
    Atomics.notify(word, 0);
  } else if (asyncIds.delete(response.id)) {
    asyncPort.postMessage(response);
  }
}

function fail(id: number): void {
  answer({ id, ok: false, error: { name: 'ConcError', message: `@conc/process: the parent process's broker is gone (${broken})` } });
}

function send(request: CallRequest, ids: Set<number>): void {
  ids.add(request.id);
  if (broken) fail(request.id);
  else sendFrame(socket, request);
}

asyncPort.on('message', (request: CallRequest) => send(request, asyncIds));
syncPort.on('message', (request: CallRequest) => send(request, syncIds));
readFrames(socket, (message) => answer(message as CallResponse));
socket.on('error', (error) => {
  broken = error.message;
});
socket.on('close', () => {
  broken ??= 'connection closed';
  for (const id of [...syncIds, ...asyncIds]) fail(id);
  asyncPort.close();
  syncPort.close();
});
