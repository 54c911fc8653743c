import { typeName } from '@conc/core/internal';

/**
 * Key names. Every key of one pool queue (BullMQ's own and ours) shares one Redis Cluster hash
 * tag, `{pool:NAME}`, so that the scripts touching several of them run on one slot:
 * `PREFIX:{pool:NAME}:...`. Other families of objects take their own tag through
 * {@link hashTagged}.
 */

/**
 * `prefix:{tag}`: the start of keys that must live in one cluster slot.
 * @internal
 */
export function hashTagged(prefix: string, tag: string): string {
  return `${prefix}:{${tag}}`;
}

/**
 * Checks a queue or object name: non-empty, at most 200 characters, without `:`, braces or
 * spaces (it becomes part of key names and of a hash tag).
 * @throws TypeError saying what is accepted.
 * @internal
 */
export function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !/^[^\s:{}]{1,200}$/.test(name)) {
    throw new TypeError(`${what}: name must be a non-empty string of at most 200 characters without ':', braces or spaces, got ${typeof name === 'string' ? JSON.stringify(name) : typeName(name)}`);
  }
  return name;
}

/** The keys of the pool queue `name`. @internal */
export class PoolKeys {
  /** BullMQ's `prefix` option for the queue: BullMQ adds `:NAME:...` after it. */
  readonly bullPrefix: string;
  /** The queue's stored settings (`retries`, `stalledInterval`). */
  readonly config: string;
  /** The channel on which callers tell workers to abort their running tasks. */
  readonly cancel: string;

  constructor(prefix: string, readonly name: string) {
    this.bullPrefix = hashTagged(prefix, `pool:${name}`);
    this.config = `${this.bullPrefix}:${name}:conc:config`;
    this.cancel = `${this.bullPrefix}:${name}:conc:cancel`;
  }

  /** The list a caller's results are pushed on. */
  results(caller: string): string {
    return `${this.bullPrefix}:${this.name}:conc:results:${caller}`;
  }

  /** Exists while the caller lives (it renews the expiry): workers skip tasks of a caller gone. */
  alive(caller: string): string {
    return `${this.bullPrefix}:${this.name}:conc:alive:${caller}`;
  }
}
