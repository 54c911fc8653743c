import { chmodSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { ConcError } from '@conc/core';
import { isMarkedDescriptor, serializeError, typeName } from '@conc/core/internal';
import { addressKey, type ManagerAddress } from '../address.js';
import { ByteReader, FrameWriter } from '../frame.js';
import { SocketPoll } from '../socket-poll.js';
import type { RingWriter } from '../ring-writer.js';
import { BodyReader } from '../message.js';
import { CLIENT_REPLY_BYTES, checkClient, serverHello } from '../handshake.js';
import { ServerDict, ServerList, ServerNamespace, ServerTyped } from './collections.js';
import { ChannelHub, type ServerChannel } from './channel-hub.js';
import { ServerQueue } from './queue-object.js';
import { ServerObject } from './server-object.js';
import { ServerBarrier, ServerCondition, ServerEvent, ServerLock, ServerSemaphore } from './sync-objects.js';
import { Cancelled, type CallContext, type Waiter, type WaitingClient } from './waiters.js';

/** What a server needs to start: plain data, as it crosses to a worker or a child process. @internal */
export interface ServerConfig {
  address: ManagerAddress;
  authkey: Uint8Array;
  /** Custom types: typeid → module URL and export name. */
  registry: Record<string, { module: string; export: string }>;
  /** The private directory of the default socket, removed by a process server left orphaned. */
  privateDir?: string;
}

/** How long a connection may take to authenticate before it is dropped. */
const HANDSHAKE_MS = 10_000;

/** Status codes of a reply frame `[id, status, payload]`. @internal */
export const enum Status {
  Ok = 0,
  Error = 1,
  Cancelled = 2,
}

/** The name of the proxy kind in the transfer protocol. @internal */
export const PROXY_KIND = '@conc/manager:Proxy';

class ServerClient implements WaitingClient {
  readonly waiters = new Set<Waiter>();
  readonly cancellable = new Map<number, Waiter>();
  readonly held = new Set<{ dropHolder(client: unknown): void }>();
  readonly reader = new ByteReader();
  readonly socketWriter: FrameWriter;
  readonly poll: SocketPoll;
  /** Frames read from this client so far. */
  framesRead = 0;
  /** The shared-memory channel of a client in this process, once offered. */
  channel: ServerChannel<ServerClient> | undefined;
  token = '';
  open = false;
  /** The socket poll is reading this client's calls: their replies go at once. */
  polling = false;
  constructor(readonly socket: Socket, readBuffer: Buffer, flushed: (client: ServerClient, frames: number) => void) {
    this.socketWriter = new FrameWriter(socket, { soon: () => this.polling, flushed: (frames) => flushed(this, frames) });
    this.poll = new SocketPoll(socket, readBuffer);
  }

  /** Where replies go: the channel once the client uses it, else the socket. */
  get writer(): FrameWriter | RingWriter {
    return this.channel?.isAttached() ? this.channel.writer : this.socketWriter;
  }

  get gone(): boolean {
    return this.socket.destroyed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * The manager server: holds the shared objects and answers proxy calls. It runs on a worker
 * thread of the starting process (`kind: 'thread'`) or in its own process (`'process'`), and
 * serves any number of clients over a Unix socket or TCP.
 * @internal
 */
export class ManagerServer {
  private readonly objects = new Map<number, ServerObject>();
  private nextId = 1;
  private readonly clients = new Set<ServerClient>();
  private readonly server: Server;
  private readonly key: Buffer;
  private bound: ManagerAddress | undefined;
  private readonly types = new Map<string, Promise<new (...args: unknown[]) => object>>();
  /** Where the socket polls of every client read (one at a time: the poll is synchronous). */
  private readonly pollBuffer = Buffer.allocUnsafe(64 * 1024);
  private readonly hub = new ChannelHub<ServerClient>((client, buffer, start, end) => this.onFrame(client, buffer, start, end));

  constructor(private readonly config: ServerConfig) {
    this.key = Buffer.from(config.authkey);
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Starts listening; resolves with the bound address (the real port for `port: 0`). */
  listen(): Promise<ManagerAddress> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      const address = this.config.address;
      const onListening = (): void => {
        this.server.off('error', reject);
        if ('path' in address) {
          chmodSync(address.path, 0o600);
          this.bound = address;
        } else {
          const info = this.server.address();
          this.bound = { host: address.host, port: typeof info === 'object' && info ? info.port : address.port };
        }
        resolve(this.bound);
      };
      if ('path' in address) this.server.listen({ path: address.path, readableAll: false, writableAll: false }, onListening);
      else this.server.listen({ host: address.host, port: address.port }, onListening);
    });
  }

  /** Stops listening and drops every client; their pending calls fail at once. */
  close(): Promise<void> {
    this.hub.stop();
    for (const client of this.clients) client.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const client = new ServerClient(socket, this.pollBuffer, this.awaitRequest);
    this.clients.add(client);
    socket.setNoDelay(true);
    const { hello, nonce } = serverHello();
    socket.write(hello);
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_MS);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      this.drop(client);
    });
    let refused = false;
    socket.on('data', (chunk: Buffer) => {
      // One try per connection: after a wrong digest nothing more is read, let alone decoded.
      if (refused) return;
      client.reader.push(chunk);
      if (!client.open) {
        const reply = client.reader.take(CLIENT_REPLY_BYTES);
        if (!reply) return;
        const ok = checkClient(this.key, nonce, reply);
        clearTimeout(timer);
        if (!ok) {
          // Nothing the peer sent is looked at beyond its digest.
          refused = true;
          socket.end(Buffer.from([0]));
          socket.destroySoon();
          return;
        }
        socket.write(ok.proof);
        client.token = ok.token;
        client.open = true;
      }
      // A client using its channel sends on the socket only frames a ring marker stands for.
      if (client.channel?.isAttached()) return this.hub.onSocketData(client.channel);
      this.readFrames(client);
    });
  }

  private readFrames(client: ServerClient): void {
    const result = client.reader.frames((buffer, start, end) => {
      client.framesRead++;
      if (!client.socket.destroyed) this.onFrame(client, buffer, start, end);
    });
    if (result === 'oversized') client.socket.destroy();
  }

  /**
   * After a write of one reply to the only client on a socket (a client calling one at a
   * time, as a process client does): reads its next call right here if it comes within the
   * poll's budget, instead of sleeping until the event loop is woken for it (see
   * socket-poll.ts). With other clients on sockets nobody polls: the poll would hold up their
   * calls. Channel clients wait at most 2 ms: the replies to polled calls leave at the end of
   * the job, and the next poll follows, until the writer lets the event loop turn. A client
   * offered a channel is not polled: its socket carries wake-ups and ring markers' frames,
   * read by the hub.
   */
  private readonly awaitRequest = (client: ServerClient, frames: number): void => {
    if (frames !== 1 || !client.open || client.channel || !this.onlySocketClient(client)) return;
    const seen = client.framesRead;
    client.polling = true;
    try {
      client.poll.poll(
        (bytes, buffer) => {
          const chunk = buffer.subarray(0, bytes);
          client.reader.push(chunk);
          this.readFrames(client);
          client.reader.retain(chunk);
        },
        () => client.framesRead !== seen || client.socket.destroyed,
      );
    } finally {
      client.polling = false;
    }
  };

  private onlySocketClient(client: ServerClient): boolean {
    for (const other of this.clients) if (other !== client && !other.channel?.isAttached()) return false;
    return true;
  }

  private drop(client: ServerClient): void {
    this.clients.delete(client);
    if (client.channel) this.hub.release(client.channel);
    for (const waiter of [...client.waiters]) waiter.drop();
    for (const lock of [...client.held]) lock.dropHolder(client);
  }

  private readonly body = new BodyReader();

  private onFrame(client: ServerClient, buffer: Buffer, start: number, end: number): void {
    let id: number, target: number, method: string;
    const args: unknown[] = [];
    try {
      const reader = this.body.reset(buffer, start, end);
      id = reader.u32();
      target = reader.i32();
      method = reader.name();
      const argc = reader.u8();
      for (let i = 0; i < argc; i++) args.push(reader.value());
      reader.done();
    } catch {
      // A malformed frame: this connection only is closed.
      client.socket.destroy();
      return;
    }
    if (method === '#cancel') {
      const waiter = typeof args[0] === 'number' ? client.cancellable.get(args[0]) : undefined;
      waiter?.cancel();
      return;
    }
    if (method === '#channel') {
      // A client asks for a shared-memory channel, naming its heap: offered when that is ours.
      const offer = target === 0 && !client.channel ? this.hub.offer(client, args[0]) : undefined;
      if (offer) client.channel = offer.channel;
      this.reply(client, id, Status.Ok, offer ? [offer.offset, offer.generation] : null);
      return;
    }
    const ctx: CallContext = { client, id, owner: client.token };
    let result: unknown;
    try {
      result = target === 0 ? this.root(method, args) : this.dispatch(target, method, args, ctx);
    } catch (error) {
      this.reply(client, id, Status.Error, serializeError(error));
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value) => this.reply(client, id, Status.Ok, value),
        (error) => this.reply(client, id, error instanceof Cancelled ? Status.Cancelled : Status.Error, error instanceof Cancelled ? undefined : serializeError(error)),
      );
    } else {
      this.reply(client, id, Status.Ok, result);
    }
  }

  private dispatch(target: number, method: string, args: unknown[], ctx: CallContext): unknown {
    const object = this.objects.get(target);
    if (!object) throw new ConcError(`the manager holds no object #${target} (it was made by another server)`);
    return object.invoke(method, args, ctx);
  }

  private reply(client: ServerClient, id: number, status: Status, payload: unknown): void {
    if (client.socket.destroyed) return;
    try {
      writeReply(client.writer, id, status, payload);
    } catch (error) {
      const reason = error instanceof RangeError ? new RangeError(`the result is too big to send back: ${error.message}`) : new TypeError(`the result cannot be sent back: ${(error as Error).message}`);
      writeReply(client.writer, id, Status.Error, serializeError(reason));
    }
  }

  private root(method: string, args: unknown[]): unknown {
    if (method !== 'create') throw new TypeError(`the manager has no method '${method}'`);
    const [typeid, ...rest] = args;
    if (typeof typeid !== 'string') throw new TypeError(`create: typeid must be a string, got ${typeName(typeid)}`);
    const made = this.make(typeid, rest);
    const keep = (object: ServerObject): { id: number; typeid: string; methods?: string[] } => {
      const id = this.nextId++;
      this.objects.set(id, object);
      return object instanceof ServerCustom ? { id, typeid, methods: object.methods } : { id, typeid };
    };
    return made instanceof Promise ? made.then(keep) : keep(made);
  }

  private make(typeid: string, args: unknown[]): ServerObject | Promise<ServerObject> {
    switch (typeid) {
      case 'dict': return new ServerDict(args[0]);
      case 'list': return new ServerList(args[0]);
      case 'namespace': return new ServerNamespace(args[0]);
      case 'value': return new ServerTyped('value', args[0], args[1]);
      case 'array': return new ServerTyped('array', args[0], args[1]);
      case 'lock': return new ServerLock(false);
      case 'rlock': return new ServerLock(true);
      case 'semaphore': return new ServerSemaphore(false, args[0]);
      case 'boundedSemaphore': return new ServerSemaphore(true, args[0]);
      case 'event': return new ServerEvent();
      case 'condition': return new ServerCondition(this.lockFor(args[0]));
      case 'barrier': return new ServerBarrier(args[0], args[1]);
      case 'queue': return new ServerQueue(args[0] ?? 0);
      default: return this.makeCustom(typeid, args);
    }
  }

  private lockFor(lock: unknown): ServerLock {
    if (lock === undefined || lock === null) return new ServerLock(true);
    if (isMarkedDescriptor(lock) && lock['address'] !== undefined && this.bound && addressKey(lock['address'] as ManagerAddress) === addressKey(this.bound)) {
      const object = this.objects.get(lock['id'] as number);
      if (object instanceof ServerLock) return object;
    }
    throw new TypeError(`condition: lock must be a lock or rlock proxy of the same manager, got ${typeName(lock)}`);
  }

  private async makeCustom(typeid: string, args: unknown[]): Promise<ServerObject> {
    const entry = Object.hasOwn(this.config.registry, typeid) ? this.config.registry[typeid] : undefined;
    if (!entry) throw new TypeError(`create: no type '${typeid}' is registered on this manager (Manager.register it before Manager.start)`);
    let loading = this.types.get(typeid);
    if (!loading) {
      loading = import(entry.module).then((namespace: Record<string, unknown>) => {
        const Class = namespace[entry.export];
        if (typeof Class !== 'function') throw new TypeError(`create: module ${entry.module} has no class export '${entry.export}'`);
        return Class as new (...args: unknown[]) => object;
      });
      this.types.set(typeid, loading);
    }
    const Class = await loading;
    return new ServerCustom(typeid, new Class(...args));
  }
}

/** Writes one reply frame; if its payload cannot be encoded (or is too big), nothing of it is sent and that is thrown. */
function writeReply(writer: FrameWriter | RingWriter, id: number, status: Status, payload: unknown): void {
  const builder = writer.begin();
  try {
    builder.u32(id);
    builder.u8(status);
    builder.value(payload);
  } catch (error) {
    writer.abort();
    throw error;
  }
  writer.end();
}

/** An instance of a registered class; its public methods (no leading `_`) are exposed. */
class ServerCustom extends ServerObject {
  protected readonly exposed: ReadonlySet<string>;
  readonly methods: string[];
  constructor(readonly typeid: string, private readonly instance: object) {
    super();
    const names = new Set<string>();
    for (let proto: unknown = Object.getPrototypeOf(instance); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
        if (name !== 'constructor' && !name.startsWith('_') && typeof descriptor.value === 'function') names.add(name);
      }
    }
    this.methods = [...names];
    this.exposed = names;
  }

  override invoke(method: string, args: unknown[]): unknown {
    if (!this.exposed.has(method)) throw new TypeError(`a ${this.typeid} proxy has no method '${method}'`);
    return (this.instance as Record<string, (...args: unknown[]) => unknown>)[method]!(...args);
  }
}
