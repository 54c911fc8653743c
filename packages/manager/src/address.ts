import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { typeName } from '@conc/core/internal';

/**
 * Where a manager server listens: a Unix socket path (`{ path }`, owner-only) or a TCP
 * address (`{ host, port }`; `port: 0` picks a free port, reported in `manager.address`).
 *
 * @example
 * ```ts
 * import type { ManagerAddress } from '@conc/manager';
 * const local: ManagerAddress = { path: '/tmp/my-manager.sock' };
 * const remote: ManagerAddress = { host: '127.0.0.1', port: 50000 };
 * console.log('path' in local, 'port' in remote); // true true
 * ```
 */
export type ManagerAddress =
  | {
      /** The host name or IP address to listen on or connect to. */
      host: string;
      /** The TCP port (`0` when starting: any free port). */
      port: number;
    }
  | {
      /** The Unix socket's path. */
      path: string;
    };

/**
 * Checks an address given by the user.
 * @throws TypeError/RangeError naming `what` and what is accepted.
 * @internal
 */
export function checkAddress(address: unknown, what: string): ManagerAddress {
  if (typeof address !== 'object' || address === null) {
    throw new TypeError(`${what}: address must be { path } or { host, port }, got ${typeName(address)}`);
  }
  const { path, host, port } = address as { path?: unknown; host?: unknown; port?: unknown };
  if (path !== undefined) {
    if (typeof path !== 'string' || path === '') throw new TypeError(`${what}: address.path must be a non-empty string, got ${typeName(path)}`);
    return { path };
  }
  if (typeof host !== 'string' || host === '') throw new TypeError(`${what}: address must be { path } or { host, port }; address.host must be a non-empty string, got ${typeName(host)}`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`${what}: address.port must be an integer from 0 to 65535, got ${typeName(port)}`);
  }
  return { host, port };
}

/** A fresh socket path in a new owner-only (0700) temporary directory. @internal */
export function privateSocketPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'conc-manager-')), 'socket');
}

/** A stable text key for an address (connection caches). @internal */
export function addressKey(address: ManagerAddress): string {
  return 'path' in address ? `unix:${address.path}` : `tcp:${address.host}:${address.port}`;
}

/** How errors name an address. @internal */
export function describeAddress(address: ManagerAddress): string {
  return 'path' in address ? address.path : `${address.host}:${address.port}`;
}
