import { typeName } from '@conc/core/internal';
import { checkName } from './keys.js';
import { PoolServer } from './pool-server.js';
import { checkInteger } from './pool-settings.js';
import type { RedisBackend } from './redis-backend.js';

/**
 * Options of {@link serve}.
 *
 * @example
 * ```ts
 * import type { ServeOptions } from '@conc/redis';
 * const options: ServeOptions = { name: 'default', processes: 2, kind: 'thread', allowSource: false };
 * console.log(options.processes); // 2
 * ```
 */
export interface ServeOptions {
  /** The queue to serve (default `'default'`). */
  name?: string;
  /** Local workers running the tasks (default `cpuCount()`), an integer >= 1. */
  processes?: number;
  /** `'thread'` (default) or `'process'`. */
  kind?: 'thread' | 'process';
  /**
   * Run function targets, which travel as source text (default `false`: only `{ module, export }`
   * targets run; a function target fails with a `StateError` naming this option). Anyone who
   * can write to Redis could otherwise run code here.
   */
  allowSource?: boolean;
}

/**
 * What `serve()` returns.
 *
 * @example
 * ```ts no-run
 * import { RedisBackend, serve } from '@conc/redis';
 * const backend = new RedisBackend();
 * const server = await serve(backend, { name: 'default', allowSource: true });
 * process.once('SIGTERM', () => void server.close().then(() => backend.close()));
 * ```
 */
export interface ServeHandle extends AsyncDisposable {
  /** Stops taking tasks, lets the running ones finish, and ends the workers. */
  close(): Promise<void>;
}

/**
 * Serves a pool's queue from this process: takes its tasks from Redis and runs them on local
 * workers (threads or processes). Another machine joins a pool this way, or with the
 * `conc-worker` command. Python/Ray: starting a worker node.
 *
 * @param backend - Where Redis is.
 * @param options - `name`, `processes`, `kind`, `allowSource`.
 * @returns A handle whose `close()` stops serving (`await using` works).
 * @throws TypeError/RangeError for bad options (at the call, as a rejection); ConcError when
 *   Redis cannot be reached within 10 s.
 *
 * @example
 * ```ts no-run
 * import { Pool } from '@conc/pool';
 * import { RedisBackend, serve } from '@conc/redis';
 *
 * const backend = new RedisBackend({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
 * await using server = await serve(backend, { name: 'example', processes: 1 });
 * const pool = new Pool({ backend, name: 'example', processes: 0 }); // submits only
 * console.log(await pool.apply({ module: 'node:path', export: 'basename' }, ['/a/b.txt'])); // 'b.txt'
 * await pool.terminate();
 * await server.close();
 * await backend.close();
 * ```
 */
export async function serve(backend: RedisBackend, options: ServeOptions = {}): Promise<ServeHandle> {
  if (typeof options !== 'object' || options === null) throw new TypeError(`serve: options must be { name?, processes?, kind?, allowSource? }, got ${typeName(options)}`);
  const name = options.name === undefined ? 'default' : checkName(options.name, 'serve');
  const { cpuCount } = await import('@conc/core');
  const processes = checkInteger(options.processes, 'processes', cpuCount(), 1, 'serve');
  const kind = options.kind ?? 'thread';
  if (kind !== 'thread' && kind !== 'process') throw new TypeError(`serve: kind must be 'thread' or 'process', got ${typeName(kind)}`);
  const allowSource = options.allowSource ?? false;
  if (typeof allowSource !== 'boolean') throw new TypeError(`serve: allowSource must be a boolean, got ${typeName(allowSource)}`);
  const server = new PoolServer(backend, { name, processes, kind, allowSource, keepAlive: true });
  try {
    await server.start();
  } catch (error) {
    await server.terminate();
    throw error;
  }
  return { close: () => server.close(), [Symbol.asyncDispose]: () => server.close() };
}
