import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { deserializeError } from '@conc/core/internal';
import type { CallRequest, CallResponse } from './wire.js';

/**
 * A child thread's line to the broker. A helper worker owns the socket, so that a call made
 * synchronously (`acquireSync`, `release`, a getter) can block this thread in `Atomics.wait`
 * while the helper's own event loop does the I/O; async calls resolve from the helper's
 * messages. One helper per thread that uses handles; it never keeps the process alive.
 * @internal
 */
export class BrokerClient {
  readonly #worker: Worker;
  readonly #asyncPort: MessagePort;
  readonly #syncPort: MessagePort;
  readonly #word = new Int32Array(new SharedArrayBuffer(4));
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  #next = 0;

  constructor(socket: string) {
    const async = new MessageChannel();
    const sync = new MessageChannel();
    this.#asyncPort = async.port1;
    this.#syncPort = sync.port1;
    this.#worker = new Worker(new URL('./broker-client-main.js', import.meta.url), {
      workerData: { socket, word: this.#word, asyncPort: async.port2, syncPort: sync.port2 },
      transferList: [async.port2, sync.port2],
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.#worker.unref();
    this.#asyncPort.on('message', (response: CallResponse) => {
      const pending = this.#pending.get(response.id);
      if (!pending) return;
      this.#pending.delete(response.id);
      if (this.#pending.size === 0) this.#asyncPort.unref();
      if (response.ok) pending.resolve(response.value);
      else pending.reject(deserializeError(response.error));
    });
    this.#asyncPort.unref();
  }

  /** Calls and waits for the answer without blocking this thread. */
  call(request: Omit<CallRequest, 'id'>): Promise<unknown> {
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // A pending call keeps the thread alive, as a local wait would.
      if (this.#pending.size === 1) this.#asyncPort.ref();
      this.#asyncPort.postMessage({ ...request, id });
    });
  }

  /** Calls and blocks this thread until the answer. */
  callSync(request: Omit<CallRequest, 'id'>): unknown {
    const id = ++this.#next;
    Atomics.store(this.#word, 0, 0);
    this.#syncPort.postMessage({ ...request, id });
    while (Atomics.load(this.#word, 0) === 0) Atomics.wait(this.#word, 0, 0);
    const message = receiveMessageOnPort(this.#syncPort)?.message as CallResponse | undefined;
    if (!message) throw new Error('@conc/process: the broker answered nothing');
    if (message.ok) return message.value;
    throw deserializeError(message.error);
  }
}

const clients = new Map<string, BrokerClient>();

/** The client of this thread for the broker at `socket`. @internal */
export function brokerClient(socket: string): BrokerClient {
  let client = clients.get(socket);
  if (!client) clients.set(socket, (client = new BrokerClient(socket)));
  return client;
}
