import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer, type Server, type Socket } from 'node:net';
import {
  SHARED_MARK, prepare, reviveDescriptor, reviveSync, serializeError, trace, traceChannel, withIdentity, type SharedDescriptor,
} from '@conc/core/internal';
import { markHandle, shapeOf } from './handle-shape.js';
import { HANDLE_KIND, readFrames, sendFrame, type CallRequest, type CallResponse } from './wire.js';

interface Connection {
  closed: boolean;
  /** Locks acquired through this connection and not released yet: released when it closes. */
  held: { handle: number; identity: number }[];
  /** Calls still running for this connection: a `Barrier.wait` among them breaks the barrier when it closes. */
  pending: Set<{ handle: number; name: string }>;
}

const lockKinds = /:(Lock|RLock|Condition)$/;

/**
 * The child thread a call is run for, through its async continuations too: `withIdentity`
 * covers only the synchronous start of an operation, and an `acquire` that waited publishes its
 * event after an `await`.
 */
const caller = new AsyncLocalStorage<number>();

/**
 * Serves @conc objects to child processes: each object passed to a `Process` is registered
 * here under a handle number; children call its methods over a Unix socket, and the broker
 * runs them on the real object, as the calling child thread (`withIdentity`), so that `RLock`
 * ownership holds across processes. It runs on its own worker thread, so it keeps serving
 * while the parent's main thread is blocked in a `*Sync` call.
 *
 * A `*Sync` call from a child runs the async form here (the child thread blocks, the broker
 * does not). A lock (`Lock`, `RLock`, `Condition`) acquired through a connection and still
 * held when the connection closes (the child ended or died) is released by the broker, which
 * publishes it as a trace event `abandoned`; a `Barrier` the child was waiting at is broken (the
 * rule for threads, whose parent marks them gone: ATOMICS.md, "When a party dies").
 * @internal
 */
export class Broker {
  readonly #objects = new Map<number, { object: Record<string, unknown>; kind: string }>();
  readonly #handles = new WeakMap<object, number>();
  readonly #server: Server;
  readonly path: string;
  #next = -1;
  #traceTo: ((event: unknown) => void) | undefined;
  readonly #forward = (event: unknown): void => {
    const identity = caller.getStore();
    this.#traceTo?.(identity === undefined ? event : { ...(event as object), thread: identity });
  };

  constructor(path: string) {
    this.path = path;
    this.#server = createServer((socket) => this.#serve(socket));
    this.#server.unref();
  }

  /** Starts listening. */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.path, () => resolve());
    });
  }

  /** Makes the object described by `descriptor` reachable under `handle`. */
  register(handle: number, descriptor: SharedDescriptor): void {

    const object = reviveDescriptor(descriptor) as Record<string, unknown>;
    // A stand-in registered again (for a grandchild) is tracked as the kind it stands for.
    const kind = descriptor.kind === HANDLE_KIND ? String(descriptor['of']) : descriptor.kind;
    this.#objects.set(handle, { object, kind });
    this.#handles.set(object, handle);
  }

  /**
   * Hands the trace events of the operations run for children to `send` (`undefined`: stops),
   * each with the `thread` of the child thread that asked: they are that thread's operations
   * (marks and waits on its lane), only carried out here.
   */
  traceTo(send: ((event: unknown) => void) | undefined): void {
    if (send && !this.#traceTo) traceChannel.subscribe(this.#forward);
    else if (!send && this.#traceTo) traceChannel.unsubscribe(this.#forward);
    this.#traceTo = send;
  }

  #serve(socket: Socket): void {
    const connection: Connection = { closed: false, held: [], pending: new Set() };
    socket.on('error', () => {});
    socket.on('close', () => {
      connection.closed = true;
      for (const { handle, identity } of connection.held.reverse()) this.#releaseFor(handle, identity);
      connection.held = [];
      for (const { handle, name } of connection.pending) {
        const entry = this.#objects.get(handle);
        if (name === 'wait' && entry && entry.kind.endsWith(':Barrier')) (entry.object['abort'] as () => void).call(entry.object);
      }
    });
    readFrames(socket, (message) => {
      void this.#call(message as CallRequest, connection).then((response) => {
        if (!connection.closed) sendFrame(socket, response);
      });
    });
  }

  #releaseFor(handle: number, identity: number): void {
    const entry = this.#objects.get(handle);
    if (!entry) return;
    try {
      withIdentity(identity, () => (entry.object['release'] as () => void).call(entry.object));
      // Named by the object's own id (as the thread that takes a lock over names it), else its handle.
      const id = (entry.object as { _i32?: Int32Array })._i32?.[1] ?? handle;
      trace('abandoned', entry.kind.slice(entry.kind.lastIndexOf(':') + 1), id, { holder: identity, reason: 'process ended' });
    } catch {
      // Already released by other means.
    }
  }

  async #call(request: CallRequest, connection: Connection): Promise<CallResponse> {
    const { id, handle, op, identity } = request;
    try {
      const entry = this.#objects.get(handle);
      if (!entry) throw new ReferenceError(`@conc/process broker: no object with handle ${handle}`);
      const { object, kind } = entry;
      const args = reviveSync(request.args, {
        reviveMarked: (marked) => (marked[SHARED_MARK] === HANDLE_KIND ? this.#objects.get(marked['handle'] as number)?.object : undefined),
      }) as unknown[];
      if (op === 'get') return { id, ok: true, value: this.#toWire(object[request.name]) };
      if (op === 'set') {
        object[request.name] = args[0];
        return { id, ok: true, value: undefined };
      }
      let name = request.name;
      // A child blocks in *Sync; the broker must not: it waits with the async form.
      if (name.endsWith('Sync') && typeof object[name.slice(0, -4)] === 'function') name = name.slice(0, -4);
      const method = object[name];
      if (typeof method !== 'function') throw new TypeError(`${kind} has no method ${request.name}`);
      const run = (): unknown => withIdentity(identity, () => (method as (...a: unknown[]) => unknown).apply(object, args));
      let value = this.#traceTo ? caller.run(identity, run) : run();
      if (value instanceof Promise) {
        const call = { handle, name };
        connection.pending.add(call);
        try {
          value = await value;
        } finally {
          connection.pending.delete(call);
          // A Condition's wait ends holding its lock again: for a child that died meanwhile
          // (its held locks were released at the close), nobody else would release it.
          if (connection.closed && kind.endsWith(':Condition') && (name === 'wait' || name === 'waitFor')) this.#releaseFor(handle, identity);
        }
      }
      if (lockKinds.test(kind)) {
        if (name === 'acquire' && value === true) {
          if (connection.closed) this.#releaseFor(handle, identity);
          else connection.held.push({ handle, identity });
        } else if (name === 'release') {
          const at = connection.held.findLastIndex((h) => h.handle === handle && h.identity === identity);
          if (at >= 0) connection.held.splice(at, 1);
        }
      }
      return { id, ok: true, value: this.#toWire(value) };
    } catch (error) {
      return { id, ok: false, error: serializeError(error) };
    }
  }

  #toWire(value: unknown): unknown {
    return prepare(value, 'result', { mapDescriptor: (descriptor, object) => markHandle(shapeOf(object, descriptor.kind, this.#handleOf(object, descriptor), this.path)) }).value;
  }

  #handleOf(object: object, descriptor: SharedDescriptor): number {
    let handle = this.#handles.get(object);
    if (handle === undefined) {
      handle = this.#next--;
      this.register(handle, descriptor);
      // Reviving makes a new local object; remember the original too.
      this.#handles.set(object, handle);
    }
    return handle;
  }
}
