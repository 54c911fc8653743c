/**
 * The options of `Manager.start`, `Manager.connect` and the factories, and their checks: each
 * option is checked once here, whichever kind of handle it is for.
 */
import { randomBytes } from 'node:crypto';
import { typeName } from '@conc/core/internal';
import { checkAddress, type ManagerAddress } from './address.js';
import type { ManagerBackend, ObjectOptions } from './backend.js';
import { DEFAULT_CALL_TIMEOUT } from './connection.js';
import { keyBytes } from './handshake.js';

/** Options of {@link Manager.start}. */
export interface ManagerOptions {
  /** Where the server runs: a worker thread of this process (default) or its own process. */
  kind?: 'thread' | 'process';
  /** Where it listens; default a Unix socket in a new owner-only temporary directory. */
  address?: ManagerAddress;
  /** The shared secret of the handshake; default 32 random bytes (see `manager.authkey`). */
  authkey?: string | Uint8Array;
  /** Milliseconds a call that does not wait may take before it fails (default 30 000; `Infinity`: no limit). */
  callTimeout?: number;
}

/** Options of {@link Manager.connect} with a backend: the objects live in its store, not in a server. */
export interface BackendConnectOptions {
  /** Where the objects live: a `RedisBackend` from `@conc/redis`. */
  backend: ManagerBackend;
  /** Milliseconds a call may wait for the store to answer or come back (the backend's default: 10 000 for Redis). */
  callTimeout?: number;
}

/** Options of {@link Manager.connect}. */
export interface ConnectOptions {
  /** The server's address, as `manager.address` reports it. */
  address: ManagerAddress;
  /** The server's authkey. */
  authkey: string | Uint8Array;
  /** Milliseconds a call that does not wait may take before it fails (default 30 000). */
  callTimeout?: number;
}

/** {@link ManagerOptions} checked, with their defaults (`address` stays absent: a private socket). @internal */
export interface StartSettings {
  kind: 'thread' | 'process';
  address: ManagerAddress | undefined;
  authkey: Uint8Array;
  callTimeout: number;
}

/** @internal */
export function checkStartOptions(opts: unknown): StartSettings {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`Manager.start: options must be an object, got ${typeName(opts)}`);
  const { address, authkey, callTimeout } = opts as ManagerOptions;
  const kind = (opts as ManagerOptions).kind ?? 'thread';
  if (kind !== 'thread' && kind !== 'process') throw new TypeError(`Manager.start: kind must be 'thread' or 'process', got ${typeName(kind)}`);
  return {
    kind,
    authkey: authkey === undefined ? randomBytes(32) : checkAuthkey(authkey, 'Manager.start'),
    callTimeout: checkCallTimeout(callTimeout, 'Manager.start') ?? DEFAULT_CALL_TIMEOUT,
    address: address === undefined ? undefined : checkAddress(address, 'Manager.start'),
  };
}

/** `Manager.connect`'s options checked: a server's or a backend's. @internal */
export type ConnectSettings =
  | { backend: ManagerBackend; callTimeout: number | undefined }
  | { address: ManagerAddress; authkey: Uint8Array; callTimeout: number };

/** @internal */
export function checkConnectOptions(opts: unknown): ConnectSettings {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`Manager.connect: options must be { address, authkey } or { backend }, got ${typeName(opts)}`);
  if ('backend' in opts) {
    const { backend, callTimeout } = opts as BackendConnectOptions;
    if (typeof backend !== 'object' || backend === null || typeof backend.openManager !== 'function') {
      throw new TypeError(`Manager.connect: backend must be a manager backend such as a RedisBackend from @conc/redis, got ${typeName(backend)}`);
    }
    // Absent, the backend's own default applies.
    return { backend, callTimeout: checkCallTimeout(callTimeout, 'Manager.connect') };
  }
  const { address, authkey, callTimeout } = opts as ConnectOptions;
  return {
    address: checkAddress(address, 'Manager.connect'),
    authkey: checkAuthkey(authkey, 'Manager.connect'),
    callTimeout: checkCallTimeout(callTimeout, 'Manager.connect') ?? DEFAULT_CALL_TIMEOUT,
  };
}

const leased = new Set(['lock', 'rlock', 'semaphore', 'boundedSemaphore']);

/**
 * A factory's `{ name, lease }` checked; both need a backend (a local manager shares objects
 * by their proxies and frees a lock when its holder disconnects).
 * @internal
 */
export function checkObjectOptions(options: unknown, typeid: string, backend: boolean): ObjectOptions {
  if (options === undefined) return {};
  const what = `Manager.${typeid}`;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${what}: options must be an object ({ name?, lease? }), got ${typeName(options)}`);
  const { name, lease } = options as ObjectOptions;
  if (name !== undefined) {
    if (typeof name !== 'string' || name === '') throw new TypeError(`${what}: name must be a non-empty string, got ${typeName(name)}`);
    if (!backend) throw new TypeError(`${what}: objects shared by name need a backend (Manager.connect({ backend })); a local manager's objects are shared by passing their proxies`);
  }
  if (lease !== undefined) {
    if (!leased.has(typeid)) throw new TypeError(`${what}: lease applies to lock, rlock, semaphore and boundedSemaphore only`);
    if (typeof lease !== 'number' || !Number.isFinite(lease) || lease < 10) throw new RangeError(`${what}: lease must be a finite number of milliseconds >= 10, got ${typeName(lease)}`);
    if (!backend) throw new TypeError(`${what}: leases need a backend (Manager.connect({ backend })); a local manager releases a lock when its holder disconnects`);
  }
  return name === undefined && lease === undefined ? {} : { name, lease };
}

function checkAuthkey(authkey: unknown, what: string): Uint8Array {
  if (typeof authkey === 'string' || authkey instanceof Uint8Array) {
    if (authkey.length === 0) throw new RangeError(`${what}: authkey must not be empty`);
    return keyBytes(authkey);
  }
  throw new TypeError(`${what}: authkey must be a string or a Uint8Array, got ${typeName(authkey)}`);
}

/** `undefined` when absent: the caller's default applies. */
function checkCallTimeout(timeout: unknown, what: string): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout <= 0) throw new RangeError(`${what}: callTimeout must be a positive number of milliseconds, got ${typeName(timeout)}`);
  return timeout;
}
