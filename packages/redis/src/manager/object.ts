import type { BaseProxy, BuiltinTypeid } from '@conc/manager';
import { typeName } from '@conc/core/internal';
import { decodeJson, encodeJson, type ShareableHooks } from '../json-codec.js';
import { hashTagged } from '../keys.js';
import type { RedisSession } from './session.js';

/** The fixed facts of an object, set when it was made: what a proxy of it carries. @internal */
export interface ObjectRef {
  name: string;
  typeid: BuiltinTypeid;
  id: number;
  /** Type-specific facts (a semaphore's initial value, a queue's maxsize, a lease...): JSON. */
  params: Record<string, unknown>;
}

/** How a waiting call may wait: what the manager proxy passes to `_call`. @internal */
export interface CallWait {
  timeout: number;
  signal: AbortSignal | undefined;
}

/** Every key of one object: `<prefix>:{manager:<name>}:<part>`, so all of them share a cluster slot. @internal */
export function objectKey(prefix: string, name: string, part: string): string {
  return `${hashTagged(prefix, `manager:${name}`)}:${part}`;
}

/** The Redis object behind a proxy, if it is one (set by the proxy module). @internal */
export let objectOf: (proxy: unknown) => RedisObject | undefined = () => undefined;
/** @internal */
export function setObjectOf(lookup: typeof objectOf): void {
  objectOf = lookup;
}

/**
 * How values are stored: JSON text (readable by every Node version, see json-codec), with a
 * proxy of an object of the same Redis and prefix kept as what names its object (not where
 * Redis is: the reader is already there, and the URL may hold a password).
 * @internal
 */
export function storeValue(session: RedisSession, value: unknown, path: string): string {
  return JSON.stringify(encodeJson(value, path, hooksOf(session)));
}

/** Reads what {@link storeValue} wrote; a stored proxy comes back as a proxy on `session`. @internal */
export function loadValue(session: RedisSession, text: string | null): unknown {
  if (text === null) return undefined;
  return decodeJson(JSON.parse(text), hooksOf(session));
}

const hooks = new WeakMap<RedisSession, ShareableHooks>();

function hooksOf(session: RedisSession): ShareableHooks {
  let found = hooks.get(session);
  if (!found) {
    found = proxyHooks(session.url, session.prefix, () => session);
    hooks.set(session, found);
  }
  return found;
}

/**
 * json-codec hooks for manager proxies of the Redis at `url` under `prefix` (others cannot be
 * stored): each is kept as what names its object, and rebuilt on `session()`. What a Redis
 * pool's job data needs to carry such proxies to its workers (with the worker's own session).
 * @internal
 */
export function proxyHooks(url: string, prefix: string, session: () => RedisSession): ShareableHooks {
  return {
    store: (object) => {
      const stored = objectOf(object);
      if (!stored || stored.session.url !== url || stored.session.prefix !== prefix) return undefined;
      const { name, typeid, id, params } = stored.ref;
      return { name, typeid, id, params };
    },
    load: (data) => proxyOf(session(), loadedRef(data)),
  };
}

/** Makes the proxy of an object on a session (set by the proxy module, which imports this one). @internal */
export let proxyOf: (session: RedisSession, ref: ObjectRef) => BaseProxy = () => {
  throw new Error('@conc/redis: proxies are not loaded');
};
/** @internal */
export function setProxyOf(maker: typeof proxyOf): void {
  proxyOf = maker;
}

/**
 * An object held in Redis, as seen from one proxy: its keys, its wake-up channel, and the
 * methods the proxy calls (`call(method, args, wait)`, as a manager server object would run them).
 * @internal
 */
export abstract class RedisObject {
  readonly #base: string;
  /** The proxy this object answers (set by the proxy's constructor). */
  proxy!: BaseProxy;

  constructor(readonly session: RedisSession, readonly ref: ObjectRef) {
    this.#base = objectKey(session.prefix, ref.name, '');
  }

  /** The key of one part of this object. */
  key(part: string): string {
    return this.#base + part;
  }

  /** Where changes that end a wait are published. */
  get channel(): string {
    return this.#base + 'wake';
  }

  /** How errors name this object's methods (`'DictProxy.get'`). */
  what(method: string): string {
    return `${this.proxy.constructor.name}.${method}`;
  }

  /** Runs `method` with the proxy's arguments; every error is a rejection. */
  call(method: string, args: unknown[], wait: CallWait | undefined): Promise<unknown> {
    try {
      return this.run(method, args, wait);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  protected abstract run(method: string, args: unknown[], wait: CallWait | undefined): Promise<unknown>;

  /** A method the proxy does not have on Redis. */
  protected unknown(method: string): never {
    throw new TypeError(`${this.ref.typeid} has no method ${typeName(method)}`);
  }

  /** Encodes a value to store. */
  encode(value: unknown, method: string): string {
    return storeValue(this.session, value, `${this.what(method)} value`);
  }

  /** Decodes a stored value (a stored proxy comes back as a proxy on this session). */
  decode(text: string | null): unknown {
    return loadValue(this.session, text);
  }

  /** When a call ends (`performance.now()` time): a wait's timeout, else the call timeout. */
  deadline(wait: CallWait | undefined): number {
    return performance.now() + (wait ? wait.timeout : this.session.callTimeout);
  }

  /** Runs one command with the call deadline. */
  redis<T>(command: Parameters<RedisSession['run']>[0]): Promise<T> {
    return this.session.run(command) as Promise<T>;
  }
}

function loadedRef(marked: Record<string, unknown>): ObjectRef {
  const { name, typeid, id, params } = marked;
  if (typeof name !== 'string' || typeof typeid !== 'string' || typeof id !== 'number' || typeof params !== 'object' || params === null) {
    throw new TypeError('Redis held a malformed manager object reference');
  }
  return { name, typeid: typeid as BuiltinTypeid, id, params: params as Record<string, unknown> };
}

/** Checks a list or array index: an integer. @internal */
export function checkIndex(index: unknown, what: string): number {
  if (typeof index !== 'number' || !Number.isInteger(index)) throw new TypeError(`${what}: index must be an integer, got ${typeName(index)}`);
  return index;
}
