import type { ManagerBackend, ManagerSession } from '@conc/manager';
import type { PoolBackend } from '@conc/pool';
import type { EngineHost, EngineOptions, PoolEngine } from '@conc/pool/internal';
import { ConcError, StateError } from '@conc/core';
import { Redis, type RedisOptions } from 'ioredis';
import { RedisManagerSession } from './manager/manager-session.js';
import { RedisSession } from './manager/session.js';
import { poolSettings } from './pool-settings.js';
import { RedisEngine } from './redis-engine.js';
import { atMost } from './within.js';

/** Options of {@link RedisBackend}. */
export interface RedisBackendOptions {
  /**
   * Where Redis is: `redis://[user:password@]host:port[/db]`, or `rediss://...` for TLS.
   * Default `'redis://127.0.0.1:6379'`.
   */
  url?: string;
  /** Every key this backend writes starts with it (Redis Cluster hash tags included). Default `'conc'`. */
  prefix?: string;
  /** Extra ioredis options, applied to every connection the backend opens. */
  redis?: RedisOptions;
}

/**
 * Where the shared state lives when one machine is not enough: a Redis server (>= 6.2).
 *
 * Pass it to `new Pool({ backend })` (tasks travel through BullMQ) or
 * `Manager.connect({ backend })` (shared objects live in Redis). One backend may serve several
 * pools and managers; `close()` closes every connection it opened.
 *
 * @example
 * ```ts
 * import { RedisBackend } from '@conc/redis';
 *
 * const backend = new RedisBackend({ url: 'redis://127.0.0.1:6379', prefix: 'myapp' });
 * await backend.close();
 * ```
 */
export class RedisBackend implements ManagerBackend, PoolBackend {
  /** The Redis URL connections are opened to. */
  readonly url: string;
  /** The prefix every key starts with. */
  readonly prefix: string;
  readonly #options: RedisOptions;
  readonly #connections = new Set<Redis>();
  #closed = false;

  /**
   * @param options - `url`, `prefix`, extra ioredis options.
   * @throws TypeError when an option has the wrong type or the URL is not `redis://` or `rediss://`.
   */
  constructor(options: RedisBackendOptions = {}) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`RedisBackend options must be an object, got ${options === null ? 'null' : typeof options}`);
    }
    const { url = 'redis://127.0.0.1:6379', prefix = 'conc', redis = {} } = options;
    if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
      throw new TypeError(`RedisBackend url must be a 'redis://' or 'rediss://' URL string, got ${JSON.stringify(url)}`);
    }
    if (typeof prefix !== 'string' || prefix === '' || /[{}\s]/.test(prefix)) {
      throw new TypeError(`RedisBackend prefix must be a non-empty string without braces or spaces, got ${JSON.stringify(prefix)}`);
    }
    if (redis === null || typeof redis !== 'object') {
      throw new TypeError('RedisBackend redis must be an object of ioredis options');
    }
    this.url = url;
    this.prefix = prefix;
    this.#options = redis;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Opens a new ioredis connection to this backend's Redis, which `close()` will close: for
   * programs that want to read what the backend wrote (keys start with `prefix`).
   *
   * @param extra - ioredis options over the backend's own (BullMQ's blocking connections need
   * `maxRetriesPerRequest: null`).
   * @throws Error when the backend is closed.
   */
  connect(extra: RedisOptions = {}): Redis {
    if (this.#closed) throw new Error('RedisBackend is closed');
    const connection = new Redis(this.url, { ...this.#options, ...extra });
    // An unreachable Redis is reported to callers through their commands; an 'error' event
    // without a listener would crash the process instead.
    connection.on('error', () => {});
    this.#connections.add(connection);
    connection.once('end', () => this.#connections.delete(connection));
    return connection;
  }

  /**
   * Opens a manager session: what `Manager.connect({ backend })` calls. Use that instead.
   * @param options - `callTimeout`: ms a call may wait for Redis to answer or come back (default 10 000).
   * @returns A promise of the session, once Redis answered.
   * @throws (rejects) ConcError when Redis is unreachable (within 10 s) or the backend is closed.
   */
  async openManager(options: { callTimeout?: number } = {}): Promise<ManagerSession> {
    if (this.#closed) throw new ConcError('RedisBackend is closed');
    const session = new RedisSession(this, options.callTimeout);
    try {
      await session.run((redis) => redis.ping());
    } catch (error) {
      await session.close();
      throw error;
    }
    return new RedisManagerSession(session);
  }

  /**
   * Makes the engine of a pool on this backend: what `new Pool({ backend })` calls. Use that instead.
   * @param host - The pool's side.
   * @param options - The pool's common options, checked.
   * @param given - The pool's options as given (`name`, `retries`, `stalledInterval`).
   * @returns The engine: tasks become BullMQ jobs on the queue `name`.
   * @throws TypeError/RangeError for bad options; StateError when the backend is closed.
   */
  createPoolEngine(host: EngineHost, options: EngineOptions, given: Readonly<Record<string, unknown>>): PoolEngine {
    if (this.#closed) throw new StateError('RedisBackend is closed');
    return new RedisEngine(host, this, poolSettings(options, given));
  }

  /** Closes every connection this backend opened. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#connections];
    this.#connections.clear();
    await Promise.all(open.map(async (connection) => {
      // QUIT only where Redis is there to answer it: on a connection still trying to reach
      // an absent Redis it would wait for ever.
      if (connection.status === 'ready') {
        try {
          await atMost(connection.quit(), 2000);
        } catch {
          // Closed meanwhile: disconnecting below is all there is to do.
        }
      }
      connection.disconnect();
    }));
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
