import {
  ArrayProxy, BarrierProxy, BoundedSemaphoreProxy, ConditionProxy, DictProxy, EventProxy, ListProxy, LockProxy,
  NamespaceProxy, QueueProxy, RLockProxy, SemaphoreProxy, ValueProxy, type BaseProxy, type BuiltinTypeid,
} from '@conc/manager';
import { registerKind, toDescriptor, type SharedDescriptor } from '@conc/core/internal';
import { RedisBackend } from '../redis-backend.js';
import { RedisDict, RedisList, RedisNamespace, RedisTyped } from './collections.js';
import { RedisLock, RedisSemaphore } from './locks.js';
import type { ShareableHooks } from '../json-codec.js';
import { proxyHooks, setObjectOf, setProxyOf, type CallWait, type ObjectRef, type RedisObject } from './object.js';
import { RedisSession } from './session.js';
import { RedisBarrier, RedisCondition, RedisEvent, RedisQueue } from './waitables.js';

/** The kind of a Redis-backed manager proxy in the transfer protocol. @internal */
export const REDIS_PROXY_KIND = '@conc/redis:ManagerProxy';

const objectOfProxy = Symbol('@conc/redis object');

type ProxyClass = new (...args: any[]) => BaseProxy;
type ObjectClass = new (session: RedisSession, ref: ObjectRef) => RedisObject;

/**
 * The manager's own proxy class for a type, with its calls going to Redis instead of a
 * server: `instanceof DictProxy` holds, every method is the same.
 */
function redisProxyClass(Base: ProxyClass): new (object: RedisObject) => BaseProxy {
  const Redis = class extends Base {
    constructor(object: RedisObject) {
      // A Redis proxy has no server connection: every call goes through `_call` below.
      super(undefined, object.ref.id, object.ref.typeid);
      Object.defineProperty(this, objectOfProxy, { value: object });
      object.proxy = this;
    }

    protected _call(method: string, args: unknown[], wait?: CallWait): Promise<unknown> {
      return (this as unknown as Record<symbol, RedisObject>)[objectOfProxy]!.call(method, args, wait);
    }

    [toDescriptor](): SharedDescriptor {
      const { session, ref } = (this as unknown as Record<symbol, RedisObject>)[objectOfProxy]!;
      return { kind: REDIS_PROXY_KIND, url: session.url, prefix: session.prefix, ...ref };
    }
  };
  // Errors and traces name the manager's class ('DictProxy.get').
  Object.defineProperty(Redis, 'name', { value: Base.name });
  return Redis;
}

const types: Record<BuiltinTypeid, [new (object: RedisObject) => BaseProxy, ObjectClass]> = {
  dict: [redisProxyClass(DictProxy), RedisDict],
  list: [redisProxyClass(ListProxy), RedisList],
  namespace: [redisProxyClass(NamespaceProxy), RedisNamespace],
  value: [redisProxyClass(ValueProxy), RedisTyped],
  array: [redisProxyClass(ArrayProxy), RedisTyped],
  lock: [redisProxyClass(LockProxy), RedisLock],
  rlock: [redisProxyClass(RLockProxy), RedisLock],
  semaphore: [redisProxyClass(SemaphoreProxy), RedisSemaphore],
  boundedSemaphore: [redisProxyClass(BoundedSemaphoreProxy), RedisSemaphore],
  condition: [redisProxyClass(ConditionProxy), RedisCondition],
  event: [redisProxyClass(EventProxy), RedisEvent],
  barrier: [redisProxyClass(BarrierProxy), RedisBarrier],
  queue: [redisProxyClass(QueueProxy), RedisQueue],
};

/** The proxy of an object, on a session. @internal */
export function makeRedisProxy(session: RedisSession, ref: ObjectRef): BaseProxy {
  const entry = types[ref.typeid];
  if (!entry) throw new TypeError(`Redis held a manager object of unknown type ${JSON.stringify(ref.typeid)}`);
  const [Proxy, Object_] = entry;
  return new Proxy(new Object_(session, ref));
}
setProxyOf(makeRedisProxy);

/** The Redis object behind a proxy of this package, if it is one. @internal */
export function redisObjectOf(proxy: unknown): RedisObject | undefined {
  if (typeof proxy !== 'object' || proxy === null) return undefined;
  return (proxy as Record<symbol, RedisObject | undefined>)[objectOfProxy];
}
setObjectOf(redisObjectOf);

// Per thread: proxies revived here share one session per Redis and prefix.
const sessions = new Map<string, RedisSession>();

/** The session this thread uses for `url` and `prefix`, opened on first use. @internal */
export function threadSession(url: string, prefix: string): RedisSession {
  const key = `${prefix}@${url}`;
  let session = sessions.get(key);
  if (!session || session.closed) {
    session = new RedisSession(new RedisBackend({ url, prefix }));
    sessions.set(key, session);
  }
  return session;
}

/**
 * json-codec hooks that carry manager proxies of `backend`'s Redis and prefix inside data
 * (pool job data): rebuilt on this thread's session for that backend. @internal
 */
export function managerProxyHooks(backend: { url: string; prefix: string }): ShareableHooks {
  return proxyHooks(backend.url, backend.prefix, () => threadSession(backend.url, backend.prefix));
}

/** Lets a manager handle's session serve the proxies revived in its thread. @internal */
export function shareSession(session: RedisSession): void {
  const key = `${session.prefix}@${session.url}`;
  const existing = sessions.get(key);
  if (!existing || existing.closed) sessions.set(key, session);
}

registerKind(REDIS_PROXY_KIND, {
  syncMethods: [],
  // The URL, the prefix and the object's name: the receiving thread or process opens its own
  // connections to the same Redis.
  revive(descriptor) {
    const { url, prefix, name, typeid, id, params } = descriptor as SharedDescriptor & ObjectRef & { url: string; prefix: string };
    return makeRedisProxy(threadSession(url, prefix), { name, typeid, id, params });
  },
});
