import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { AuthenticationError, ConcError, DataCloneError, TimeoutError } from '@conc/core';
import { deserializeError, heapId, prepare, reviveSync, SHARED_MARK, type SerializedError } from '@conc/core/internal';
import { addressKey, describeAddress, type ManagerAddress } from './address.js';
import { openChannel } from './channel.js';
import { ChannelPort } from './channel-port.js';
import { ByteReader, FrameWriter } from './frame.js';
import { SocketPoll } from './socket-poll.js';
import type { RingWriter } from './ring-writer.js';
import { BodyReader } from './message.js';
import { SERVER_HELLO_BYTES, SERVER_REPLY_BYTES, checkServer, clientReply, keyBytes } from './handshake.js';
import { PROXY_KIND, Status } from './server/server.js';

/** The size of a connection's read buffer. */
const READ_BUFFER_BYTES = 64 * 1024;

/** How long a call that does not wait may take before it fails with `TimeoutError`. @internal */
export const DEFAULT_CALL_TIMEOUT = 30_000;

// One token per thread: it names this thread as the owner of an RLock across its connections.
const threadToken = randomBytes(16);

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  deadline: number;
  owner: string;
  method: string;
  /** A call that may wait on the server (its reply is not due soon). */
  waits: boolean;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** How one call may wait: its server-side timeout and its abort signal. @internal */
export interface CallWait {
  timeout: number;
  signal: AbortSignal | undefined;
}

/**
 * A client connection to a manager server: the handshake, then pipelined calls matched to
 * replies by id. A server in this same process (a thread server) then offers a shared-memory
 * channel, and the calls go through it (see channel.ts); otherwise they go on the socket. The
 * connection keeps the thread alive only while calls are pending. When it fails (the server
 * shut down or died, the network broke), every pending and every later call rejects at once
 * with a `ConcError` saying so.
 * @internal
 */
export class Connection {
  readonly key: Buffer;
  private readonly socket: Socket;
  private readonly reader = new ByteReader();
  private readonly socketWriter: FrameWriter;
  private readonly socketPoll: SocketPoll;
  private writer: FrameWriter | RingWriter;
  private port: ChannelPort | undefined;
  private readonly pending = new Map<number, Pending>();
  /** How many pending calls may wait on the server. */
  private waiting = 0;
  private nextId = 1;
  private failure: Error | undefined;
  private state: 'hello' | 'proof' | 'channel' | 'open' = 'hello';
  private nonce: Buffer | undefined;
  private readonly sweeper: ReturnType<typeof setInterval>;
  readonly ready: Promise<void>;
  private settleReady!: (error?: Error) => void;

  constructor(readonly address: ManagerAddress, authkey: string | Uint8Array, readonly callTimeout = DEFAULT_CALL_TIMEOUT) {
    this.key = keyBytes(authkey);
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => (error ? reject(error) : resolve());
    });
    this.ready.catch(() => {});
    // Reads land in one buffer of this connection (no allocation per read); what is left of a
    // frame that has not all arrived is copied out before the next read reuses it.
    // The socket poll reads into that buffer too, only while the event loop is not reading.
    const onread = { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: this.onRead };
    this.socket = 'path' in address ? connect({ path: address.path, onread }) : connect({ host: address.host, port: address.port, onread });
    this.socket.setNoDelay(true);
    this.socketPoll = new SocketPoll(this.socket, onread.buffer);
    // A call made while none is pending is one at a time: it goes at once, and waits for its reply.
    this.socketWriter = new FrameWriter(this.socket, { soon: () => this.pending.size === 0 && !this.port, flushed: this.awaitReply });
    this.writer = this.socketWriter;
    // A server that accepts but never completes the handshake must not hang us either.
    const handshakeMs = Math.min(callTimeout, 2 ** 31 - 1);
    const handshakeTimer = setTimeout(() => this.fail(new ConcError(`the manager server at ${describeAddress(address)} did not complete the handshake within ${handshakeMs} ms`)), handshakeMs);
    void this.ready.finally(() => {
      clearTimeout(handshakeTimer);
      this.updateRef();
    }).catch(() => {});
    this.sweeper = setInterval(() => this.sweep(), Math.min(1000, callTimeout));
    this.sweeper.unref();
    this.socket.on('error', (error) => this.fail(new ConcError(`cannot reach the manager server at ${describeAddress(address)}: ${error.message}`, { cause: error })));
    this.socket.on('close', () => this.fail(this.goneError()));
  }

  /** Whether the connection has failed or been closed. */
  get closed(): boolean {
    return this.failure !== undefined;
  }

  /** Closes the connection; pending and later calls reject with `reason`. */
  close(reason: Error): void {
    this.fail(reason);
  }

  /**
   * Calls `method` on object `target` (0: the manager itself). `args` are prepared here, so a
   * value that cannot cross is a `DataCloneError` before anything is sent. `owner` names the
   * caller in errors (`'DictProxy'`).
   */
  call(target: number, method: string, args: unknown[], owner: string, wait?: CallWait): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    if (wait?.signal?.aborted) return Promise.reject(wait.signal.reason as Error);
    let values = args;
    if (!allPrimitive(args)) {
      try {
        values = prepareArguments(args, `${owner}.${method}`);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    if (this.state !== 'open') return this.ready.then(() => this.send(target, method, values, owner, wait));
    return this.send(target, method, values, owner, wait);
  }

  private send(target: number, method: string, values: unknown[], owner: string, wait: CallWait | undefined): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    // Ids restart before they stop being exact integers, far beyond any pending call.
    if (this.nextId > 2 ** 52) this.nextId = 1;
    const b = this.writer.begin();
    try {
      b.u32(id);
      b.i32(target);
      b.name(method);
      b.u8(values.length);
      for (let i = 0; i < values.length; i++) b.value(values[i]);
    } catch (error) {
      this.writer.abort();
      return Promise.reject(error instanceof Error && error.name === 'Error' ? new DataCloneError(`${owner}.${method} arguments`, error.message) : error);
    }
    try {
      this.writer.end();
    } catch (error) {
      return Promise.reject(new RangeError(`${owner}.${method}: ${(error as Error).message}`));
    }
    // The channel may have turned out closed while the frame went in.
    if (this.failure) return Promise.reject(this.failure);
    this.port?.schedule();
    return new Promise((resolve, reject) => {
      const timeout = wait ? wait.timeout : 0;
      const deadline = timeout === Infinity ? Infinity : performance.now() + timeout + this.callTimeout;
      const entry: Pending = { resolve, reject, deadline, owner, method, waits: wait !== undefined, signal: wait?.signal, onAbort: undefined };
      if (entry.waits) this.waiting++;
      if (wait?.signal) {
        entry.onAbort = () => {
          const c = this.writer.begin();
          c.u32(0);
          c.i32(0);
          c.name('#cancel');
          c.u8(1);
          c.value(id);
          this.writer.end();
        };
        wait.signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.pending.set(id, entry);
      if (this.pending.size === 1) this.updateRef();
    });
  }

  /**
   * After a write of one call, when it is the only call pending and its reply is due at once
   * (a call one at a time): reads the reply right here if it comes within the poll's budget,
   * instead of sleeping until the event loop is woken for it (see socket-poll.ts).
   */
  private readonly awaitReply = (frames: number): void => {
    if (frames !== 1 || this.port || this.state !== 'open' || this.pending.size !== 1 || this.waiting !== 0) return;
    this.socketPoll.poll(this.onRead, this.answered);
  };

  private readonly answered = (): boolean => this.pending.size === 0 || this.failure !== undefined;

  private readonly onRead = (bytes: number, buffer: Uint8Array): boolean => {
    const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, bytes);
    this.onData(chunk);
    this.reader.retain(chunk);
    return true;
  };

  private onData(chunk: Buffer): void {
    this.reader.push(chunk);
    if (this.state === 'hello') {
      const hello = this.reader.take(SERVER_HELLO_BYTES);
      if (!hello) return;
      const answer = clientReply(this.key, hello, threadToken);
      if (typeof answer === 'string') return this.fail(new ConcError(`${describeAddress(this.address)}: ${answer}`));
      this.nonce = answer.nonce;
      this.socket.write(answer.reply);
      this.state = 'proof';
    }
    if (this.state === 'proof') {
      const status = this.reader.peek();
      if (status === undefined) return;
      if (status !== 1) return this.fail(new AuthenticationError(`the manager server at ${describeAddress(this.address)} rejected the authkey`));
      const reply = this.reader.take(SERVER_REPLY_BYTES);
      if (!reply) return;
      if (checkServer(this.key, this.nonce!, reply) !== 'ok') {
        return this.fail(new AuthenticationError(`the manager server at ${describeAddress(this.address)} could not prove it knows the authkey`));
      }
      this.state = 'channel';
      // Ask for a shared-memory channel, naming this thread's heap: a server of this process has it.
      this.send(0, '#channel', [heapId()], 'Manager', undefined).then((offer) => {
        this.useChannel(offer);
        this.state = 'open';
        this.settleReady();
      }, (error: unknown) => this.fail(error as Error));
    }
    // With a channel, the socket carries only frames that ring markers stand for: the port reads them.
    if (this.port) return this.port.onSocketData();
    const result = this.reader.frames(this.onReply);
    if (result === 'oversized') this.fail(new ConcError(`the manager server at ${describeAddress(this.address)} sent a malformed frame`));
  }

  private useChannel(offer: unknown): void {
    if (!Array.isArray(offer) || this.failure) return;
    const [offset, generation] = offer as [number, number];
    const memory = openChannel(offset, generation);
    if (!memory) return;
    const port = new ChannelPort(memory, generation, this.socketWriter, {
      onReply: this.onReply,
      reader: this.reader,
      write: (bytes) => {
        if (!this.socket.destroyed) this.socket.write(bytes);
      },
      expecting: () => (this.pending.size === 0 ? 0 : this.waiting < this.pending.size ? 1 : 2),
      malformed: () => this.fail(new ConcError(`the manager server at ${describeAddress(this.address)} sent a malformed frame`)),
      closed: () => this.fail(this.goneError()),
    });
    if (!port.attach()) return;
    this.port = port;
    this.writer = port.writer;
  }

  private goneError(): ConcError {
    return new ConcError(`the manager server at ${describeAddress(this.address)} closed the connection: it was shut down or it died`);
  }

  private readonly body = new BodyReader();

  private readonly onReply = (buffer: Buffer, start: number, end: number): void => {
    let id: number, status: number, payload: unknown;
    try {
      const reader = this.body.reset(buffer, start, end);
      id = reader.u32();
      status = reader.u8();
      payload = reader.value();
      reader.done();
    } catch {
      return this.fail(new ConcError(`the manager server at ${describeAddress(this.address)} sent a malformed frame`));
    }
    const entry = this.pending.get(id);
    if (!entry) return; // a call that already timed out on this side
    this.finish(id, entry);
    if (status === Status.Ok) {
      let value: unknown;
      try {
        value = typeof payload === 'object' && payload !== null ? reviveSync(payload, { reviveMarked: (marked) => onlyProxies.call(this, marked) }) : payload;
      } catch (error) {
        return entry.reject(error);
      }
      entry.resolve(value);
    } else if (status === Status.Cancelled) {
      entry.reject(entry.signal?.reason);
    } else {
      entry.reject(deserializeError(payload as SerializedError));
    }
  };

  private finish(id: number, entry: Pending): void {
    this.pending.delete(id);
    if (entry.waits) this.waiting--;
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    if (this.pending.size === 0) this.updateRef();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.settleReady(error);
    this.port?.close();
    this.socket.destroy();
    for (const [id, entry] of [...this.pending]) {
      this.finish(id, entry);
      entry.reject(error);
    }
    this.updateRef();
  }

  /** Keeps the process alive while calls are pending (or the handshake runs), not longer. */
  private updateRef(): void {
    const busy = !this.failure && (this.pending.size > 0 || this.state !== 'open');
    // With a channel too: the server's wake-ups and its end come on the socket.
    if (busy) this.socket.ref();
    else this.socket.unref();
    if (this.failure) clearInterval(this.sweeper);
  }

  /** Every call has a deadline: one that passes it rejects with `TimeoutError`. */
  private sweep(): void {
    const now = performance.now();
    for (const [id, entry] of [...this.pending]) {
      if (entry.deadline <= now) {
        this.finish(id, entry);
        entry.reject(new TimeoutError(`${entry.owner}.${entry.method}: the manager server at ${describeAddress(this.address)} did not answer in time`));
      }
    }
  }

  /** The key that identifies this connection's server (for caches). */
  get cacheKey(): string {
    return connectionKey(this.address, this.key);
  }
}

function allPrimitive(args: unknown[]): boolean {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg !== null && (typeof arg === 'object' || typeof arg === 'function' || typeof arg === 'symbol')) return false;
  }
  return true;
}

function prepareArguments(args: unknown[], what: string): unknown[] {
  return prepare(args, `${what} arguments`, {
    mapDescriptor: (descriptor) => {
      if (descriptor.kind !== PROXY_KIND) {
        throw new DataCloneError(`${what} arguments`, `a ${descriptor.kind} lives in shared memory and cannot be stored in a manager; make it with the manager instead (manager.lock(), manager.queue(), ...)`);
      }
      const { kind, ...fields } = descriptor;
      return { [SHARED_MARK]: kind, ...fields };
    },
  }).value as unknown[];
}

// What comes back from a server may only rebuild manager proxies: any other kind would make
// this thread load a module named by the peer.
function onlyProxies(this: Connection, marked: Record<string, unknown>): object | undefined {
  if (marked[SHARED_MARK] !== PROXY_KIND) throw new TypeError(`the manager sent an object of kind ${String(marked[SHARED_MARK])}; only manager proxies are accepted`);
  // A proxy of this connection's server keeps using this connection (and its call timeout).
  const address = marked['address'] as ManagerAddress | undefined;
  if (proxyMaker && address && marked['authkey'] === this.key.toString('hex') && addressKey(address) === addressKey(this.address)) {
    return proxyMaker(this, marked['id'] as number, marked['typeid'] as string, marked['methods'] as string[] | undefined);
  }
  return undefined;
}

let proxyMaker: ((connection: Connection, id: number, typeid: string, methods?: string[]) => object) | undefined;

/** Lets the proxy module tell how proxies are made (it imports this module, not the reverse). @internal */
export function setProxyMaker(maker: typeof proxyMaker): void {
  proxyMaker = maker;
}

/** The cache key of a server address and authkey. @internal */
export function connectionKey(address: ManagerAddress, key: Uint8Array): string {
  return `${addressKey(address)}#${Buffer.from(key).toString('hex')}`;
}

// Per thread: proxies revived here share one connection per server.
const shared = new Map<string, Connection>();

/**
 * The connection this thread uses for proxies of the server at `address`, opened on first use
 * and replaced once it has failed.
 * @internal
 */
export function sharedConnection(address: ManagerAddress, authkey: Uint8Array): Connection {
  const key = connectionKey(address, authkey);
  let connection = shared.get(key);
  if (!connection || connection.closed) {
    connection = new Connection(address, authkey);
    shared.set(key, connection);
  }
  return connection;
}

/** Lets a manager handle's own connection serve the proxies revived in its thread. @internal */
export function shareConnection(connection: Connection): void {
  const existing = shared.get(connection.cacheKey);
  if (!existing || existing.closed) shared.set(connection.cacheKey, connection);
}
