import { TimeoutError, type WaitOptions } from '@conc/core';
import { parseWait, registerKind, remaining, toDescriptor, trace, traceChannel, type Shareable, type SharedDescriptor } from '@conc/core/internal';
import type { ManagerAddress } from './address.js';
import { setProxyMaker, sharedConnection, type Connection } from './connection.js';
import { PROXY_KIND } from './server/server.js';

/** What a proxy's descriptor holds: plain data, so it crosses to threads and processes alike. @internal */
export interface ProxyDescriptor extends SharedDescriptor {
  kind: typeof PROXY_KIND;
  address: ManagerAddress;
  /** The authkey as hex. */
  authkey: string;
  id: number;
  typeid: string;
  /** The public methods of a registered (custom) type. */
  methods?: string[];
}

const traceTypes: Record<string, string> = {
  acquire: 'acquire', release: 'release', wait: 'wake', set: 'set', clear: 'clear', notify: 'notify', notifyAll: 'notify',
  put: 'put', get: 'get', taskDone: 'taskDone', join: 'join', shutdown: 'shutdown', append: 'put', pop: 'get',
};

function traceType(method: string, value: unknown): string {
  // A wait or acquire that timed out resolved false: say so.
  if ((method === 'acquire' || method === 'wait') && value === false) return 'timeout';
  return traceTypes[method] ?? method;
}

/** @internal */
export type ProxyClass = new (connection: Connection, id: number, typeid: string, methods?: string[]) => BaseProxy;
const classes = new Map<string, ProxyClass>();

/** Declares the proxy class of a built-in typeid. @internal */
export function proxyClass(typeid: string, Class: ProxyClass): void {
  classes.set(typeid, Class);
}

/** Makes the proxy of a server object. @internal */
export function makeProxy(connection: Connection, id: number, typeid: string, methods?: string[]): BaseProxy {
  const Class = classes.get(typeid) ?? CustomProxy;
  return new Class(connection, id, typeid, methods);
}
setProxyMaker(makeProxy);

/**
 * The base of every manager proxy: a reference to an object held by a manager server. Every
 * method returns a Promise. A proxy crosses to other threads and processes (in `args`, on a
 * queue, inside a manager dict or list) as a reference to the same server object.
 *
 * @example
 * ```ts
 * import { Manager, BaseProxy } from '@conc/manager';
 * await using manager = await Manager.start();
 * const d = await manager.dict();
 * console.log(d instanceof BaseProxy, d.typeid); // true 'dict'
 * ```
 */
export abstract class BaseProxy implements Shareable {
  /** @internal */
  readonly _connection: Connection;
  /** The object's id on its server. */
  readonly id: number;
  /** The object's type on its server (`'dict'`, `'lock'`, a registered typeid, ...). */
  readonly typeid: string;

  /** @internal */
  constructor(connection: Connection, id: number, typeid: string) {
    this._connection = connection;
    this.id = id;
    this.typeid = typeid;
  }

  /** Calls a method on the server object. @internal */
  protected _call(method: string, args: unknown[], wait?: { timeout: number; signal: AbortSignal | undefined }): Promise<unknown> {
    const call = this._connection.call(this.id, method, args, this.constructor.name, wait);
    if (!traceChannel.hasSubscribers) return call;
    // The playground draws what happened: one event per completed call, named after the method.
    const kind = this.constructor.name;
    trace('call', kind, this.id, { method });
    return call.then((value) => {
      trace(traceType(method, value), kind, this.id, { method });
      return value;
    });
  }

  /** Parses wait options and calls a waiting method. @internal */
  protected async _wait(method: string, args: unknown[], opts: number | WaitOptions | undefined): Promise<unknown> {
    const { deadline, signal } = parseWait(opts, `${this.constructor.name}.${method}`);
    // No timeout travels as undefined, so the server can apply an object's own default
    // (a barrier made with { timeout }).
    const timeout = deadline === Infinity ? undefined : remaining(deadline);
    return this._call(method, [...args, timeout], { timeout: remaining(deadline), signal });
  }

  /** @internal */
  [toDescriptor](): ProxyDescriptor {
    return {
      kind: PROXY_KIND,
      address: this._connection.address,
      authkey: this._connection.key.toString('hex'),
      id: this.id,
      typeid: this.typeid,
    };
  }

  static {
    registerKind(PROXY_KIND, {
      // Every proxy method returns a Promise.
      syncMethods: [],
      // Address, authkey and id, no shared memory: a child process gets the descriptor as is
      // (the process broker only stands in for objects in shared memory) and connects itself.
      revive(descriptor) {
        const { address, authkey, id, typeid, methods } = descriptor as ProxyDescriptor;
        return makeProxy(sharedConnection(address, Buffer.from(authkey, 'hex')), id, typeid, methods);
      },
    });
  }
}

/**
 * The proxy of an instance of a registered class (`manager.create(typeid, ...args)`): each
 * public method of the class (not starting with `_`) is an async method here, run on the server.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * // Any module the server can import; a data: URL keeps the example self-contained.
 * const source = 'export class Counter { constructor(n) { this.n = n; } increment() { return ++this.n; } value() { return this.n; } }';
 * Manager.register('Counter', { module: `data:text/javascript,${encodeURIComponent(source)}`, export: 'Counter' });
 * await using manager = await Manager.start();
 * const counter = await manager.create('Counter', 10);
 * await counter.increment();
 * console.log(await counter.value()); // 11
 * ```
 */
export class CustomProxy extends BaseProxy {
  /** The methods the server exposes. */
  readonly methods: readonly string[];
  // Methods are added per instance from what the server exposes.
  [method: string]: any;

  /** @internal */
  constructor(connection: Connection, id: number, typeid: string, methods: string[] = []) {
    super(connection, id, typeid);
    this.methods = methods;
    for (const name of methods) {
      // An own property named like BaseProxy's members would shadow them: skip those.
      if (name in this) continue;
      Object.defineProperty(this, name, { value: (...args: unknown[]) => this._call(name, args), enumerable: false });
    }
  }

  /** @internal */
  override [toDescriptor](): ProxyDescriptor {
    return { ...super[toDescriptor](), methods: [...this.methods] };
  }
}

/** Acquire-run-release on a lock-like proxy, and guards for `await using`. @internal */
export async function withLock<T>(
  proxy: { acquire(opts?: number | WaitOptions): Promise<boolean>; release(): Promise<void> },
  fn: () => T | Promise<T>,
  opts: number | WaitOptions | undefined,
  what: string,
): Promise<T> {
  if (typeof fn !== 'function') throw new TypeError(`${what}.with: fn must be a function`);
  if (!(await proxy.acquire(opts))) throw new TimeoutError(`${what}.with: not acquired in time`);
  try {
    return await fn();
  } finally {
    await proxy.release();
  }
}

/**
 * What `guard()` of a lock-like proxy resolves to: releases on `await using` exit.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const lock = await manager.lock();
 * {
 *   await using _held = await lock.guard();
 *   console.log(await lock.locked()); // true
 * }
 * console.log(await lock.locked()); // false
 * ```
 */
export interface ProxyGuard {
  /** Releases the lock (awaited by `await using`). */
  [Symbol.asyncDispose](): Promise<void>;
}

/** @internal */
export async function guardLock(
  proxy: { acquire(opts?: number | WaitOptions): Promise<boolean>; release(): Promise<void> },
  opts: number | WaitOptions | undefined,
  what: string,
): Promise<ProxyGuard> {
  if (!(await proxy.acquire(opts))) throw new TimeoutError(`${what}.guard: not acquired in time`);
  return { [Symbol.asyncDispose]: () => proxy.release() };
}
