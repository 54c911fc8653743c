/**
 * Python's `multiprocessing.Manager` for Node.js: a server of shared objects (dicts, lists,
 * namespaces, locks, queues, your own classes) reached through async proxies from threads,
 * processes and other machines, over a Unix socket or TCP with a mutual HMAC handshake.
 *
 * @packageDocumentation
 */
export { Manager, type NumericType } from './manager.js';
export type { ManagerOptions, ConnectOptions, BackendConnectOptions } from './manager-options.js';
export type { ManagerBackend, ManagerSession, ObjectOptions, BuiltinTypeid } from './backend.js';
export type { ManagerAddress } from './address.js';
export { BaseProxy, CustomProxy, type ProxyGuard } from './proxy.js';
export { DictProxy, ListProxy, NamespaceProxy, ValueProxy, ArrayProxy, type DictKey } from './collection-proxies.js';
export {
  LockProxy, RLockProxy, SemaphoreProxy, BoundedSemaphoreProxy, EventProxy, ConditionProxy, BarrierProxy,
} from './sync-proxies.js';
export { QueueProxy } from './queue-proxy.js';
export {
  AuthenticationError, BrokenBarrierError, ConcError, DataCloneError, EmptyError, FullError, ShutDownError, StateError, TimeoutError,
} from '@conc/core';
