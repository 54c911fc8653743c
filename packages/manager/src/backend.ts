import type { BaseProxy } from './proxy.js';

/** The built-in object types a backend makes (every factory of the manager). */
export type BuiltinTypeid =
  | 'dict' | 'list' | 'namespace' | 'value' | 'array'
  | 'lock' | 'rlock' | 'semaphore' | 'boundedSemaphore' | 'condition' | 'event' | 'barrier' | 'queue';

/**
 * The options every factory takes after its positional arguments: `name` shares one object
 * between every client asking for it (a backend feature); `lease` bounds how long a dead
 * holder keeps a lock or semaphore permit (ms; `lock`, `rlock`, `semaphore`, `boundedSemaphore`).
 */
export interface ObjectOptions {
  /** Every client asking for this name and type gets the same object (created on first use). */
  name?: string;
  /** Milliseconds a holder keeps a lock or permit without renewing it (default 30 000). */
  lease?: number;
}

/**
 * What `Manager.connect({ backend })` plugs in: a store that holds the shared objects in place
 * of a manager server (`RedisBackend` from `@conc/redis`). `@conc/manager` knows only this shape.
 *
 * @example
 * ```ts
 * import { Manager, type ManagerBackend } from '@conc/manager';
 * // RedisBackend from @conc/redis is one; a backend makes a session per Manager.connect.
 * const connectTo = (backend: ManagerBackend) => Manager.connect({ backend });
 * console.log(typeof connectTo); // 'function'
 * ```
 */
export interface ManagerBackend {
  /**
   * Opens a session for one manager handle; rejects with a `ConcError` when the store is unreachable.
   * `callTimeout`: ms a call may wait for the store (the backend's default when absent).
   */
  openManager(options?: { callTimeout?: number }): Promise<ManagerSession>;
}

/** One manager handle's link to a backend. */
export interface ManagerSession {
  /**
   * Makes (or, with `options.name`, finds) an object and returns its proxy, an instance of the
   * manager's proxy class for `typeid` (`DictProxy` for `'dict'`, ...). `args` are the
   * factory's positional arguments, unchecked.
   */
  create(typeid: BuiltinTypeid, args: unknown[], options: ObjectOptions): Promise<BaseProxy>;
  /** Disconnects; later calls of its proxies made by this session reject with a `ConcError`. */
  close(): Promise<void>;
}
