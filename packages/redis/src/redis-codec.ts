import { deserialize, serialize } from 'node:v8';
import { DataCloneError } from '@conc/core';
import { markDescriptor, prepare, reviveSync, SHARED_MARK, typeName, type SharedDescriptor } from '@conc/core/internal';

/**
 * How values travel through Redis: structured-clone data (Map, Set, BigInt, Date, typed arrays,
 * errors...) as v8 serialization bytes, with Redis-backed @conc objects inside them turned into
 * plain descriptors on the way in and back into live objects on the way out. Shared-memory
 * objects cannot leave their machine: they are a `DataCloneError`.
 */

/** Kinds of @conc objects that live in Redis, and so may be stored there. @internal */
export const REDIS_KINDS = new Set<string>(['@conc/redis:ManagerProxy']);

/** Options of {@link encodeValue}. @internal */
export interface EncodeOptions {
  /** How errors name the value (`'DictProxy.set value'`). */
  path: string;
  /** What a Redis-backed object becomes in Redis (default: its descriptor as is). */
  store?: (descriptor: SharedDescriptor) => Record<string, unknown>;
}

/**
 * Encodes `value` for Redis.
 * @throws DataCloneError when it holds something that cannot cross machines.
 * @internal
 */
export function encodeValue(value: unknown, options: EncodeOptions): Buffer {
  const prepared = prepare(value, options.path, {
    mapDescriptor: (descriptor) => {
      if (!REDIS_KINDS.has(descriptor.kind)) {
        throw new DataCloneError(options.path, `a ${descriptor.kind} lives in this machine's memory and cannot be stored in Redis; make it with a Redis-backed manager instead (manager.lock(), manager.queue(), ...)`);
      }
      return options.store ? { [SHARED_MARK]: descriptor.kind, ...options.store(descriptor) } : markDescriptor(descriptor);
    },
  });
  try {
    return serialize(prepared.value);
  } catch (error) {
    throw new DataCloneError(options.path, (error as Error).message);
  }
}

/** Options of {@link decodeValue}. @internal */
export interface DecodeOptions {
  /** Rebuilds a Redis-backed object from what `store` made of it. */
  load?: (marked: Record<string, unknown>) => object;
}

/**
 * Decodes what {@link encodeValue} made. Only Redis-backed kinds are rebuilt: anything else
 * would make this thread load a module named by whoever wrote to Redis.
 * @internal
 */
export function decodeValue(bytes: Uint8Array, options: DecodeOptions = {}): unknown {
  const value: unknown = deserialize(bytes);
  if (value === null || typeof value !== 'object') return value;
  return reviveSync(value, {
    reviveMarked: (marked) => {
      const kind = marked[SHARED_MARK] as string;
      if (!REDIS_KINDS.has(kind)) throw new TypeError(`Redis held an object of kind ${kind}; only Redis-backed objects are rebuilt`);
      return options.load?.(marked);
    },
  });
}

/** A dict key kept distinct by type (`1` is not `'1'`, as in Python). @internal */
export type DictKey = string | number | bigint | boolean | null;

/**
 * A dict key as a Redis hash field: a type letter, then the key (`s:a`, `n:1`, `i:1` for `1n`,
 * `b:1`, `z:` for `null`). Numbers that are equal are one key (`0` and `-0`), as in a `Map`.
 * @throws TypeError for a key of another type.
 * @internal
 */
export function encodeKey(key: unknown, what: string): string {
  switch (typeof key) {
    case 'string': return `s:${key}`;
    case 'number': return `n:${Object.is(key, -0) ? 0 : key}`;
    case 'bigint': return `i:${key}`;
    case 'boolean': return key ? 'b:1' : 'b:0';
    default:
      if (key === null) return 'z:';
      throw new TypeError(`${what}: a key must be a string, number, bigint, boolean or null, got ${typeName(key)}`);
  }
}

/** The key a hash field stands for. @internal */
export function decodeKey(field: string): DictKey {
  const rest = field.slice(2);
  switch (field[0]) {
    case 's': return rest;
    case 'n': return Number(rest);
    case 'i': return BigInt(rest);
    case 'b': return rest === '1';
    default: return null;
  }
}
