import { DataCloneError } from '@conc/core';
import { deserializeError, isShareable, serializeError, typeName, type SerializedError, type Shareable } from '@conc/core/internal';

/**
 * Structured-clone values as JSON: what BullMQ job data and Redis strings can carry, readable
 * by any Node version on any machine and in any Redis dashboard.
 *
 * Why not `v8.serialize`: its bytes are only backward-compatible (an older Node may refuse what
 * a newer one wrote), and the workers of one queue may run different Node versions on
 * different machines; in JSON job data they would also be an opaque base64 blob.
 *
 * The encoding: strings, booleans, `null`, finite numbers and arrays are themselves; a plain
 * object is itself unless it has a `$` key. Everything else is a tagged object
 * `{ "$": tag, "v": data }`: `u` undefined, `hole` (of a sparse array), `num` NaN/±Infinity/-0, `big` BigInt, `Date`,
 * `RegExp`, `Map`, `Set`, `Error` (any error, rebuilt as core rebuilds remote errors), `Box`
 * (a boxed primitive), `ArrayBuffer` and every typed array and `DataView` (base64 bytes), `o`
 * (a plain object with a `$` key), `ref` (an object met before: shared and cyclic references
 * survive, as with structured clone). Class instances cross as plain objects of their own
 * enumerable properties, as with structured clone.
 */

const views = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
} as const;
type ViewName = keyof typeof views;

/** A missing element of a sparse array (structured clone keeps them missing). */
const HOLE = { $: 'hole' };

function isHole(item: unknown): boolean {
  return typeof item === 'object' && item !== null && (item as Tagged).$ === 'hole';
}

interface Tagged {
  $: string;
  v?: unknown;
}

/**
 * Encodes a structured-clone value as JSON-safe data.
 * @param value - The value.
 * @param path - How errors name it (`args[1]`).
 * @returns Data that `JSON.stringify` keeps exactly.
 * @throws DataCloneError naming the path of a value that cannot cross machines (a function, a
 *   symbol, a shared-memory @conc object, a `SharedArrayBuffer`, a `WeakMap`...).
 * @internal
 */
export function encodeJson(value: unknown, path = 'value', hooks?: ShareableHooks): unknown {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'number') return encodeNumber(value);
  return new Encoder(hooks).encode(value, path);
}

/**
 * How @conc objects that live in Redis (Redis-backed manager proxies) cross: `store` turns one
 * into data (`undefined`: it cannot cross), tagged `{ "$": "conc", "v": data }`; `load` turns
 * that data back into the object. Without hooks every @conc object is a `DataCloneError`.
 * @internal
 */
export interface ShareableHooks {
  store?: (object: Shareable) => Record<string, unknown> | undefined;
  load?: (data: Record<string, unknown>) => object;
}

/**
 * Decodes what {@link encodeJson} made.
 * @internal
 */
export function decodeJson(data: unknown, hooks?: ShareableHooks): unknown {
  if (data === null || typeof data !== 'object') return data;
  return new Decoder(hooks).decode(data);
}

function encodeNumber(value: number): unknown {
  if (Number.isFinite(value) && !Object.is(value, -0)) return value;
  return { $: 'num', v: Object.is(value, -0) ? '-0' : String(value) };
}

class Encoder {
  /** Objects met so far, numbered in the order the decoder will rebuild them. */
  readonly #seen = new Map<object, number>();

  constructor(readonly hooks: ShareableHooks | undefined) {}

  encode(value: unknown, path: string): unknown {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        return encodeNumber(value);
      case 'undefined':
        return { $: 'u' };
      case 'bigint':
        return { $: 'big', v: value.toString() };
      case 'function':
      case 'symbol':
        throw new DataCloneError(path, `${typeName(value)} cannot be cloned`);
    }
    if (value === null) return null;
    const object = value as object;
    const ref = this.#seen.get(object);
    if (ref !== undefined) return { $: 'ref', v: ref };
    if (isShareable(object)) {
      const stored = this.hooks?.store?.(object);
      if (stored !== undefined) {
        this.#seen.set(object, this.#seen.size);
        return { $: 'conc', v: stored };
      }
      throw new DataCloneError(path, `${typeName(object)} lives in this machine's memory and cannot cross to another machine; share state through Redis instead (a Manager on the same backend)`);
    }
    this.#seen.set(object, this.#seen.size);
    if (Array.isArray(object)) {
      const out = new Array<unknown>(object.length);
      for (let i = 0; i < object.length; i++) {
        const item: unknown = object[i];
        out[i] = item === undefined && !(i in object) ? HOLE : this.encode(item, `${path}[${i}]`);
      }
      return out;
    }
    const tag = Object.prototype.toString.call(object).slice(8, -1);
    switch (tag) {
      case 'Object':
        return this.#plain(object as Record<string, unknown>, path);
      case 'Date':
        return { $: 'Date', v: encodeNumber((object as Date).getTime()) };
      case 'RegExp':
        return { $: 'RegExp', v: [(object as RegExp).source, (object as RegExp).flags] };
      case 'Map': {
        const entries: unknown[] = [];
        let i = 0;
        for (const [k, v] of object as Map<unknown, unknown>) {
          entries.push([this.encode(k, `${path}.keys[${i}]`), this.encode(v, `${path}.get(${i})`)]);
          i++;
        }
        return { $: 'Map', v: entries };
      }
      case 'Set': {
        const items: unknown[] = [];
        let i = 0;
        for (const item of object as Set<unknown>) items.push(this.encode(item, `${path}[${i++}]`));
        return { $: 'Set', v: items };
      }
      case 'Error':
        return { $: 'Error', v: this.encode(serializeError(object), path) };
      case 'Number':
      case 'String':
      case 'Boolean':
      case 'BigInt':
        return { $: 'Box', v: this.encode((object as { valueOf(): unknown }).valueOf(), path) };
      case 'ArrayBuffer':
        return { $: 'ArrayBuffer', v: Buffer.from(object as ArrayBuffer).toString('base64') };
    }
    if (ArrayBuffer.isView(object) && tag in views) {
      if (object.buffer instanceof SharedArrayBuffer) throw new DataCloneError(path, 'a view of a SharedArrayBuffer is shared memory and cannot cross to another machine');
      return { $: tag, v: Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('base64') };
    }
    if (object instanceof Error) return { $: 'Error', v: this.encode(serializeError(object), path) };
    throw new DataCloneError(path, `${tag === 'SharedArrayBuffer' ? 'a SharedArrayBuffer is shared memory and' : `a ${tag}`} cannot cross to another machine`);
  }

  #plain(object: Record<string, unknown>, path: string): unknown {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(object)) out[key] = this.encode(object[key], `${path}.${key}`);
    return '$' in out ? { $: 'o', v: out } : out;
  }
}

class Decoder {
  readonly #objects: object[] = [];

  constructor(readonly hooks: ShareableHooks | undefined) {}

  decode(data: unknown): unknown {
    if (data === null || typeof data !== 'object') return data;
    if (Array.isArray(data)) {
      const out = new Array<unknown>(data.length);
      this.#objects.push(out);
      for (let i = 0; i < data.length; i++) {
        const item: unknown = data[i];
        if (!isHole(item)) out[i] = this.decode(item);
      }
      return out;
    }
    const record = data as Record<string, unknown>;
    if (!('$' in record)) return this.#plain(record);
    const { $: tag, v } = record as unknown as Tagged;
    switch (tag) {
      case 'u': return undefined;
      case 'num': return Number(v === '-0' ? -0 : v);
      case 'big': return BigInt(v as string);
      case 'ref': return this.#objects[v as number];
      case 'o': {
        const out: Record<string, unknown> = {};
        this.#objects.push(out);
        for (const key of Object.keys(v as object)) out[key] = this.decode((v as Record<string, unknown>)[key]);
        return out;
      }
      case 'Date': return this.#keep(new Date(this.decode(v) as number));
      case 'RegExp': return this.#keep(new RegExp(...(v as [string, string])));
      case 'Map': {
        const map = this.#keep(new Map<unknown, unknown>());
        for (const [k, value] of v as [unknown, unknown][]) map.set(this.decode(k), this.decode(value));
        return map;
      }
      case 'Set': {
        const set = this.#keep(new Set<unknown>());
        for (const item of v as unknown[]) set.add(this.decode(item));
        return set;
      }
      case 'Error': {
        // Numbered before its fields, as the encoder numbered it before serializing them.
        const index = this.#objects.length;
        this.#objects.push({});
        const error = deserializeError(this.decode(v) as SerializedError);
        this.#objects[index] = error;
        return error;
      }
      case 'Box': return this.#keep(Object(this.decode(v)) as object);
      case 'conc': {
        if (!this.hooks?.load) throw new TypeError('decodeJson: a stored @conc object, and nothing here to rebuild it');
        return this.#keep(this.hooks.load(v as Record<string, unknown>));
      }
      case 'ArrayBuffer': return this.#keep(bytesOf(v as string).buffer);
    }
    const View = views[tag as ViewName];
    if (!View) throw new TypeError(`decodeJson: unknown tag ${JSON.stringify(tag)}`);
    const bytes = bytesOf(v as string);
    const size = View === DataView ? 1 : (View as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
    return this.#keep(new (View as new (buffer: ArrayBuffer, offset: number, length: number) => object)(bytes.buffer, 0, bytes.byteLength / size));
  }

  #keep<T extends object>(object: T): T {
    this.#objects.push(object);
    return object;
  }

  #plain(record: Record<string, unknown>): unknown {
    const out: Record<string, unknown> = {};
    this.#objects.push(out);
    for (const key of Object.keys(record)) out[key] = this.decode(record[key]);
    return out;
  }
}

/** The bytes in an ArrayBuffer of their own (Buffer.from may return a view of a shared pool). */
function bytesOf(base64: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(base64, 'base64'));
}
