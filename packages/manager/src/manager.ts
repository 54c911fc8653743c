import { ConcError, StateError } from '@conc/core';
import { describeTarget, typeName } from '@conc/core/internal';
import type { ManagerAddress } from './address.js';
import type { BuiltinTypeid, ManagerSession, ObjectOptions } from './backend.js';
import { ArrayProxy, DictProxy, ListProxy, NamespaceProxy, ValueProxy, type DictKey } from './collection-proxies.js';
import { Connection, shareConnection } from './connection.js';
import {
  checkConnectOptions, checkObjectOptions, checkStartOptions, type BackendConnectOptions, type ConnectOptions, type ManagerOptions,
} from './manager-options.js';
import { makeProxy, type CustomProxy } from './proxy.js';
import { QueueProxy } from './queue-proxy.js';
import { startServer, type RunningServer } from './server-runner.js';
import {
  BarrierProxy, BoundedSemaphoreProxy, ConditionProxy, EventProxy, LockProxy, RLockProxy, SemaphoreProxy,
} from './sync-proxies.js';

/** A value stored as a `ValueProxy`/`ArrayProxy` element type. */
export type NumericType = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f32' | 'f64' | 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'q' | 'Q' | 'f' | 'd';

const registry = new Map<string, { module: string; export: string }>();
// A record, not a list: the compiler then checks it names every BuiltinTypeid and no other.
const builtins: Record<BuiltinTypeid, true> = {
  dict: true, list: true, namespace: true, value: true, array: true, lock: true, rlock: true,
  semaphore: true, boundedSemaphore: true, event: true, condition: true, barrier: true, queue: true,
};
const isBuiltin = (typeid: string): typeid is BuiltinTypeid => Object.hasOwn(builtins, typeid);

/**
 * What a handle is linked to: a server over a socket (with the server itself when the handle
 * started it), or a backend's session.
 */
type Link =
  | { connection: Connection; authkey: Uint8Array; server: RunningServer | undefined }
  | { session: ManagerSession };

/**
 * Python's `multiprocessing.Manager`: a server holding shared objects (dicts, lists, locks,
 * queues, your own classes) that threads, processes and other machines use through proxies.
 * Every proxy method returns a Promise; proxies cross to threads and processes as references.
 *
 * Differences from Python's: data only on the wire (v8 serialization, never pickle: no code
 * runs from what a client sends), a mutual HMAC handshake before anything is decoded, every call
 * with a deadline, calls that fail at once when the server is gone, locks released when the
 * client holding them disconnects.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const d = await manager.dict();
 * const l = await manager.list();
 * await d.set(1, '1');
 * await l.append(d); // stays a reference to the same dict
 * const inner = (await l.get(0)) as typeof d;
 * await inner.set(2, '2');
 * console.log(await d.copy()); // Map(2) { 1 => '1', 2 => '2' }
 * ```
 */
export class Manager {
  readonly #link: Link;
  #closed = false;

  private constructor(link: Link) {
    this.#link = link;
    if ('connection' in link) shareConnection(link.connection);
  }

  /**
   * The address the server is bound to (the real port when `port: 0` was asked).
   * @throws StateError for a handle connected to a backend (it has no server).
   */
  get address(): ManagerAddress {
    return this.#socket('address').connection.address;
  }

  /**
   * The handshake secret; give it with the address to `Manager.connect` elsewhere.
   * @throws StateError for a handle connected to a backend (it has no server).
   */
  get authkey(): Uint8Array {
    return this.#socket('authkey').authkey;
  }

  #socket(what: 'address' | 'authkey'): Extract<Link, { connection: Connection }> {
    if ('session' in this.#link) throw new StateError(`Manager.${what}: this manager is connected to a backend and has no ${what === 'address' ? 'server address' : 'authkey'}`);
    return this.#link;
  }

  /**
   * Adds a custom class (Python's `BaseManager.register`): `manager.create(typeid, ...args)`
   * then makes an instance on the server and returns its proxy. Call it before `start()`.
   *
   * @param typeid - The name to create it by.
   * @param target - The module exporting the class (`export` defaults to `'default'`).
   * @throws TypeError for a bad typeid or target.
   * @example
   * ```ts
   * import { Manager } from '@conc/manager';
   * Manager.register('Counter', { module: new URL('./counter.js', import.meta.url), export: 'Counter' });
   * ```
   */
  static register(typeid: string, target: { module: string | URL; export?: string }): void {
    if (typeof typeid !== 'string' || typeid === '') throw new TypeError(`Manager.register: typeid must be a non-empty string, got ${typeName(typeid)}`);
    if (isBuiltin(typeid)) throw new TypeError(`Manager.register: '${typeid}' is a built-in type of the manager; pick another typeid`);
    if (typeof target !== 'object' || target === null || !('module' in target)) {
      throw new TypeError(`Manager.register: target must be { module, export? } (a class is loaded from a module on the server; no code is sent), got ${typeName(target)}`);
    }
    const described = describeTarget(target, 'Manager.register');
    if (described.type !== 'module') throw new TypeError('Manager.register: target must be { module, export? }');
    registry.set(typeid, { module: described.module, export: described.export });
  }

  /**
   * Starts a server and connects to it.
   *
   * @param opts - `kind` (`'thread'` or `'process'`), `address`, `authkey`, `callTimeout`.
   * @returns The handle; `await manager.shutdown()` (or `await using`) stops the server.
   * @throws TypeError/RangeError for bad options; the listen error (e.g. `EADDRINUSE`).
   * @example
   * ```ts
   * import { Manager } from '@conc/manager';
   * await using manager = await Manager.start({ address: { host: '127.0.0.1', port: 0 } });
   * console.log('port' in manager.address && manager.address.port > 0); // true
   * ```
   */
  static async start(opts: ManagerOptions = {}): Promise<Manager> {
    const { kind, address, authkey, callTimeout } = checkStartOptions(opts);
    const server = await startServer(kind, { address, authkey: new Uint8Array(authkey), registry: Object.fromEntries(registry) });
    const connection = new Connection(server.address, authkey, callTimeout);
    try {
      await connection.ready;
    } catch (error) {
      await server.stop();
      throw error;
    }
    return new Manager({ connection, authkey, server });
  }

  /**
   * Connects to a running server (Python's `BaseManager.connect`), or, with `{ backend }`, to a
   * store that holds the objects instead of a server (`RedisBackend` from `@conc/redis`: every
   * factory then also takes `{ name }`, and locks and semaphores `{ lease }`). `close()`
   * disconnects without stopping the server.
   *
   * @param opts - `address`: the server's address as its `manager.address` reports it (`{ path }`
   *   or `{ host, port }`); `authkey`: the server's secret (a non-empty string or `Uint8Array`, its
   *   `manager.authkey`); `callTimeout`: milliseconds a call that does not wait may take (a
   *   positive number or `Infinity`; default 30 000).
   *   Or `backend`: a manager backend, and `callTimeout` (the backend's default when absent).
   * @returns A promise of the handle, once the handshake succeeded.
   * @throws (rejects) TypeError/RangeError for bad options; AuthenticationError when the authkey
   *   is wrong; ConcError when the server cannot be reached.
   * @example
   * ```ts
   * import { Manager } from '@conc/manager';
   * await using server = await Manager.start();
   * await using client = await Manager.connect({ address: server.address, authkey: server.authkey });
   * const d = await client.dict({ shared: true });
   * console.log(await d.get('shared')); // true
   * ```
   */
  static async connect(opts: ConnectOptions | BackendConnectOptions): Promise<Manager> {
    const settings = checkConnectOptions(opts);
    if ('backend' in settings) {
      const { backend, callTimeout } = settings;
      return new Manager({ session: await backend.openManager(callTimeout === undefined ? {} : { callTimeout }) });
    }
    const { address, authkey, callTimeout } = settings;
    const connection = new Connection(address, authkey, callTimeout);
    await connection.ready;
    return new Manager({ connection, authkey, server: undefined });
  }

  async #create(typeid: string, args: unknown[], options?: unknown): Promise<any> {
    if (this.#closed) throw this.#closedError();
    const link = this.#link;
    const checked = checkObjectOptions(options, typeid, 'session' in link);
    if ('session' in link) {
      if (!isBuiltin(typeid)) throw new TypeError(`Manager.create: a manager connected to a backend makes the built-in types only (no code is loaded from the store), got '${typeid}'`);
      return link.session.create(typeid, args, checked);
    }
    const made = (await link.connection.call(0, 'create', [typeid, ...args], 'Manager')) as { id: number; typeid: string; methods?: string[] };
    return makeProxy(link.connection, made.id, made.typeid, made.methods);
  }

  /** What calls after `shutdown()`/`close()` reject with. */
  #closedError(): ConcError {
    return new ConcError('server' in this.#link && this.#link.server ? 'the manager was shut down' : 'the manager connection was closed');
  }

  /**
   * A new dict (Python's `manager.dict()`).
   * @param init - Optional first entries: a plain object (string keys), a `Map`, or an array of
   *   `[key, value]` pairs; keys must be strings, numbers, bigints, booleans or `null`. Default: empty.
   * @param opts - Backend managers only: `name` (every client asking for it gets the same dict; `init` applies on creation only).
   * @returns A promise of its proxy.
   * @throws (rejects) TypeError for another `init` or a bad key; DataCloneError for a value that
   *   cannot cross; ConcError after `shutdown()`/`close()` or when the server is gone.
   */
  dict<V = unknown, K extends DictKey = DictKey>(init?: Record<string, V> | Map<K, V> | readonly (readonly [K, V])[], opts?: ObjectOptions): Promise<DictProxy<K, V>> {
    return this.#create('dict', init === undefined ? [] : [init], opts);
  }
  /**
   * A new list (Python's `manager.list()`).
   * @param init - Optional first items: any iterable (read here, in the caller). Default: empty.
   * @param opts - Backend managers only: `name` (share it by name).
   * @returns A promise of its proxy.
   * @throws (rejects) TypeError when `init` is not an iterable; DataCloneError for an item that
   *   cannot cross; ConcError after `shutdown()`/`close()` or when the server is gone.
   */
  async list<T = unknown>(init?: Iterable<T>, opts?: ObjectOptions): Promise<ListProxy<T>> {
    if (init !== undefined && (typeof init !== 'object' || init === null || !(Symbol.iterator in init))) throw new TypeError(`Manager.list: init must be an iterable, got ${typeName(init)}`);
    return this.#create('list', init === undefined ? [] : [Array.isArray(init) ? init : [...init]], opts);
  }
  /**
   * A new namespace (Python's `manager.Namespace()`).
   * @param init - Optional first fields: a plain object, whose own enumerable properties become
   *   the fields. Default: no field.
   * @param opts - Backend managers only: `name` (share it by name).
   * @returns A promise of its proxy.
   * @throws (rejects) TypeError when `init` is not a plain object; ConcError after `shutdown()`/`close()` or when the server is gone.
   */
  namespace(init?: Record<string, unknown>, opts?: ObjectOptions): Promise<NamespaceProxy> {
    return this.#create('namespace', init === undefined ? [] : [init], opts);
  }
  /**
   * A new `Lock`.
   * @param opts - Backend managers only: `name` (share it by name), `lease` (ms a dead holder keeps it; default 30 000).
   */
  lock(opts?: ObjectOptions): Promise<LockProxy> {
    return this.#create('lock', [], opts);
  }
  /**
   * A new `RLock`.
   * @param opts - Backend managers only: `name` (share it by name), `lease` (ms a dead holder keeps it; default 30 000).
   */
  rlock(opts?: ObjectOptions): Promise<RLockProxy> {
    return this.#create('rlock', [], opts);
  }
  /**
   * A new `Semaphore`.
   * @param n - The initial number of permits: an integer >= 0; default 1.
   * @param opts - Backend managers only: `name` (share it by name), `lease` (ms a dead holder keeps a permit; default 30 000).
   * @returns A promise of its proxy.
   * @throws (rejects) TypeError when `n` is not an integer; RangeError when `n < 0`; ConcError after `shutdown()`/`close()` or when the server is gone.
   */
  semaphore(n = 1, opts?: ObjectOptions): Promise<SemaphoreProxy> {
    return this.#create('semaphore', [n], opts);
  }
  /**
   * A new `BoundedSemaphore`: releasing it above `n` permits is a `StateError`.
   * @param n - The initial and maximum number of permits: an integer >= 0; default 1.
   * @param opts - Backend managers only: `name` (share it by name), `lease` (ms a dead holder keeps a permit; default 30 000).
   * @returns A promise of its proxy.
   * @throws (rejects) TypeError when `n` is not an integer; RangeError when `n < 0`; ConcError after `shutdown()`/`close()` or when the server is gone.
   */
  boundedSemaphore(n = 1, opts?: ObjectOptions): Promise<BoundedSemaphoreProxy> {
    return this.#create('boundedSemaphore', [n], opts);
  }
  /**
   * A new `Condition`.
   * @param lock - Optional: the lock it is over, a `LockProxy` or `RLockProxy` made by this same
   *   server. Default: a new `RLock` of its own.
   * @param opts - Backend managers only: `name` (share it by name).
   * @returns A promise of its proxy.
   * @throws (rejects) TypeError when `lock` is not a lock or rlock proxy of this server; ConcError after `shutdown()`/`close()` or when the server is gone.
   */
  condition(lock?: LockProxy, opts?: ObjectOptions): Promise<ConditionProxy> {
    return this.#create('condition', lock === undefined ? [] : [lock], opts);
  }
  /**
   * A new `Event`.
   * @param opts - Backend managers only: `name` (share it by name).
   */
  event(opts?: ObjectOptions): Promise<EventProxy> {
    return this.#create('event', [], opts);
  }
  /**
   * A new `Barrier` (Python's semantics, without `action`: no code crosses the wire).
   * @param parties - How many parties must call `wait()` to pass it: an integer >= 1.
   * @param opts - `timeout`: a non-negative number of milliseconds (or `Infinity`): the default
   *   timeout of a `wait()` given none, as Python's `Barrier(parties, timeout=...)`; backend
   *   managers also take `name` (share it by name). Default `{}`.
   * @returns A promise of its proxy.
   * @throws (rejects) TypeError when `parties` is not an integer; RangeError when `parties < 1`
   *   or for a bad `timeout`; ConcError after `shutdown()`/`close()` or when the server is gone.
   */
  barrier(parties: number, opts: { timeout?: number } & ObjectOptions = {}): Promise<BarrierProxy> {
    if (typeof opts !== 'object' || opts === null) return Promise.reject(new TypeError(`Manager.barrier: opts must be an object, got ${typeName(opts)}`));
    const { timeout, ...rest } = opts;
    return this.#create('barrier', [parties, timeout], rest);
  }
  /**
   * A new `Queue` (Python's `queue.Queue`, with `taskDone`/`join` and `shutdown`).
   * @param maxsize - The most items it holds before `put` waits: an integer; `0` (the default)
   *   or less means unbounded.
   * @param opts - Backend managers only: `name` (share it by name).
   * @returns A promise of its proxy.
   * @throws (rejects) TypeError when `maxsize` is not an integer; ConcError after `shutdown()`/`close()` or when the server is gone.
   */
  queue<T = unknown>(maxsize = 0, opts?: ObjectOptions): Promise<QueueProxy<T>> {
    return this.#create('queue', [maxsize], opts);
  }
  /**
   * A new typed number (Python's `manager.Value`).
   * @param type - Its type: `'i8'` `'u8'` `'i16'` `'u16'` `'i32'` `'u32'` `'i64'` `'u64'` `'f32'`
   *   `'f64'`, or the Python typecode `'b'` `'B'` `'h'` `'H'` `'i'` `'I'` `'q'` `'Q'` `'f'` `'d'`.
   * @param value - The initial value: a number, or a `bigint` for the 64-bit integer types
   *   (`'i64'` `'u64'` `'q'` `'Q'`); stored as the type says (wraps, truncates). Default `0` (`0n`).
   * @param opts - Backend managers only: `name` (share it by name).
   * @returns A promise of its proxy.
   * @throws (rejects) TypeError for an unknown type or a value of the wrong kind; ConcError after `shutdown()`/`close()` or when the server is gone.
   */
  value<T extends number | bigint = number>(type: NumericType, value?: NoInfer<T>, opts?: ObjectOptions): Promise<ValueProxy<T>> {
    return this.#create('value', [type, value], opts);
  }
  /**
   * A new typed array of a fixed length (Python's `manager.Array`).
   * @param type - The element type: `'i8'` `'u8'` `'i16'` `'u16'` `'i32'` `'u32'` `'i64'` `'u64'`
   *   `'f32'` `'f64'`, or the Python typecode `'b'` `'B'` `'h'` `'H'` `'i'` `'I'` `'q'` `'Q'` `'f'` `'d'`.
   * @param lengthOrValues - A length (a non-negative integer: that many zeros), or an iterable of
   *   the initial elements (numbers, or `bigint`s for the 64-bit integer types), which also sets the length.
   * @param opts - Backend managers only: `name` (share it by name).
   * @returns A promise of its proxy.
   * @throws (rejects) TypeError for an unknown type, something other than a length or an
   *   iterable, or an element of the wrong kind; RangeError for a negative or fractional length; ConcError after `shutdown()`/`close()` or when the server is gone.
   */
  array<T extends number | bigint = number>(type: NumericType, lengthOrValues: number | Iterable<NoInfer<T>>, opts?: ObjectOptions): Promise<ArrayProxy<T>> {
    const init = typeof lengthOrValues === 'object' && lengthOrValues !== null && Symbol.iterator in lengthOrValues && !Array.isArray(lengthOrValues) ? [...lengthOrValues] : lengthOrValues;
    return this.#create('array', [type, init], opts);
  }
  /**
   * An instance of a class added with {@link Manager.register}, made on the server with `args`.
   * @param typeid - The name the class was registered by (before this server was started).
   * @param args - The constructor's arguments: data that can cross (v8 serialization); no code.
   * @returns A promise of its proxy: every public method of the class (not starting with `_`), async.
   * @throws (rejects) TypeError when `typeid` is not a string or not registered on this server,
   *   or the module has no such class export; what the module's import or the constructor threw;
   *   DataCloneError for an argument that cannot cross; ConcError after `shutdown()`/`close()` or when the server is gone.
   */
  create(typeid: string, ...args: unknown[]): Promise<CustomProxy> {
    if (typeof typeid !== 'string') return Promise.reject(new TypeError(`Manager.create: typeid must be a string, got ${typeName(typeid)}`));
    return this.#create(typeid, args);
  }

  /**
   * Stops the server this handle started: every client's pending and later calls reject with
   * a `ConcError`. A handle from `connect()` cannot stop the server (`StateError`; use `close()`).
   */
  async shutdown(): Promise<void> {
    const link = this.#link;
    if (!('server' in link) || !link.server) throw new StateError('Manager.shutdown: this handle was made by Manager.connect and does not own the server; use close()');
    if (this.#closed) return;
    this.#closed = true;
    link.connection.close(this.#closedError());
    await link.server.stop();
  }

  /** Disconnects this handle (without stopping the server of a connected handle; a started one is shut down). */
  async close(): Promise<void> {
    const link = this.#link;
    if ('server' in link && link.server) return this.shutdown();
    if (this.#closed) return;
    this.#closed = true;
    if ('session' in link) await link.session.close();
    else link.connection.close(this.#closedError());
  }

  /** `await using`: `shutdown()` for a started manager, `close()` for a connected one. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
