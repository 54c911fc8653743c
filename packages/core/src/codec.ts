import { deserialize, serialize } from 'node:v8';
import { DataCloneError } from './errors.js';
import { heap, heapId } from './heap.js';
import { isShareable, markDescriptor, prepare, reviveSync, type SharedDescriptor } from './transfer.js';

/**
 * The value codec for shared buffers: one tag byte, then the payload. Numbers, strings,
 * booleans, null and undefined take tagged fast paths (several times faster than v8
 * serialization for small items); everything else goes through `v8.serialize`, after the
 * transfer protocol has turned @conc objects inside it into descriptors.
 */
const enum Tag {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  Int32 = 4,
  Float64 = 5,
  String = 6,
  Serialized = 7,
  SerializedShared = 8,
  /** A plain `Uint8Array` (not a subclass such as Buffer, not over shared memory): its bytes. */
  Bytes = 9,
  /** Plain objects and arrays of strings, finite numbers, booleans and null: JSON text. */
  Json = 10,
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
let scratch = new Uint8Array(256);
let scratchView = new DataView(scratch.buffer);

const float64Bytes = new Uint8Array(8);
const float64View = new DataView(float64Bytes.buffer);

function ensureScratch(bytes: number): void {
  if (scratch.length >= bytes) return;
  scratch = new Uint8Array(Math.max(bytes, scratch.length * 2));
  scratchView = new DataView(scratch.buffer);
}

/**
 * Encodes `value` into bytes. The result may be a view of a per-thread scratch buffer: it is
 * valid until the next `encode` on this thread, so copy it out (into shared memory) at once.
 *
 * @param path - How errors name the value, e.g. `'item'`.
 * @throws DataCloneError when the value (or something inside it) cannot cross.
 * @internal
 */
export function encode(value: unknown, path = 'value'): Uint8Array {
  switch (typeof value) {
    case 'undefined':
      return tagOnly(Tag.Undefined);
    case 'boolean':
      return tagOnly(value ? Tag.True : Tag.False);
    case 'number':
      if ((value | 0) === value && !Object.is(value, -0)) {
        scratch[0] = Tag.Int32;
        scratchView.setInt32(1, value, true);
        return scratch.subarray(0, 5);
      }
      scratch[0] = Tag.Float64;
      scratchView.setFloat64(1, value, true);
      return scratch.subarray(0, 9);
    case 'string': {
      ensureScratch(1 + value.length * 3);
      scratch[0] = Tag.String;
      const { written } = textEncoder.encodeInto(value, scratch.subarray(1));
      return scratch.subarray(0, 1 + written);
    }
    default: {
      if (value === null) return tagOnly(Tag.Null);
      if (value instanceof Uint8Array && value.constructor === Uint8Array && !(value.buffer instanceof SharedArrayBuffer)) {
        // Raw bytes are a common small item (a 64-byte record): v8 serialization costs µs.
        ensureScratch(1 + value.length);
        scratch[0] = Tag.Bytes;
        scratch.set(value, 1);
        return scratch.subarray(0, 1 + value.length);
      }
      if (isJsonSafe(value, 0)) {
        // JSON round-trips these exactly and costs a fraction of v8 serialization.
        const text = JSON.stringify(value);
        ensureScratch(1 + text.length * 3);
        scratch[0] = Tag.Json;
        const { written } = textEncoder.encodeInto(text, scratch.subarray(1));
        return scratch.subarray(0, 1 + written);
      }
      const prepared = prepare(value, path, { mapDescriptor: (descriptor) => markDescriptor(bufferToToken(descriptor, path) as SharedDescriptor) });
      const body = serialize(prepared.value);
      const out = new Uint8Array(body.length + 1);
      out[0] = prepared.shared ? Tag.SerializedShared : Tag.Serialized;
      out.set(body, 1);
      return out;
    }
  }
}

/**
 * Writes what {@link encode} would make for `value` straight into `target` from `offset`, for
 * the values with a tagged fast path (undefined, booleans, null, numbers, strings, plain
 * `Uint8Array`s and JSON-safe objects), when the bytes surely fit before `end`: a queue writes
 * an item into its shared ring without the scratch copy. Writes nothing outside
 * `[offset, offset + written)`.
 *
 * @returns The bytes written; or -1, having written nothing, when the value takes the general
 *   path (v8 serialization) or may not fit: then call `encode`.
 * @internal
 */
export function encodeInto(value: unknown, target: Uint8Array, offset: number, end = target.length): number {
  const room = end - offset;
  switch (typeof value) {
    case 'undefined':
      return tagInto(Tag.Undefined, target, offset, room);
    case 'boolean':
      return tagInto(value ? Tag.True : Tag.False, target, offset, room);
    case 'number':
      if ((value | 0) === value && !Object.is(value, -0)) {
        if (room < 5) return -1;
        target[offset] = Tag.Int32;
        target[offset + 1] = value;
        target[offset + 2] = value >>> 8;
        target[offset + 3] = value >>> 16;
        target[offset + 4] = value >>> 24;
        return 5;
      }
      if (room < 9) return -1;
      float64View.setFloat64(0, value, true);
      target[offset] = Tag.Float64;
      for (let i = 0; i < 8; i++) target[offset + 1 + i] = float64Bytes[i]!;
      return 9;
    case 'string':
      return textInto(Tag.String, value, target, offset, end);
    default: {
      if (value === null) return tagInto(Tag.Null, target, offset, room);
      if (value instanceof Uint8Array && value.constructor === Uint8Array && !(value.buffer instanceof SharedArrayBuffer)) {
        if (room < 1 + value.length) return -1;
        target[offset] = Tag.Bytes;
        target.set(value, offset + 1);
        return 1 + value.length;
      }
      if (isJsonSafe(value, 0)) return textInto(Tag.Json, JSON.stringify(value), target, offset, end);
      return -1;
    }
  }
}

function tagInto(tag: Tag, target: Uint8Array, offset: number, room: number): number {
  if (room < 1) return -1;
  target[offset] = tag;
  return 1;
}

/** A tag and UTF-8 text, when even the worst case (3 bytes per UTF-16 unit) fits. */
function textInto(tag: Tag, text: string, target: Uint8Array, offset: number, end: number): number {
  if (end - offset < 1 + text.length * 3) return -1;
  target[offset] = tag;
  // An empty view at the very end is still a view: encodeInto writes nothing into it.
  const { written } = textEncoder.encodeInto(text, target.subarray(offset + 1, end));
  return 1 + written;
}

/**
 * Whether JSON carries `value` exactly as structured clone would: plain objects and dense
 * plain arrays (to a modest depth, so cycles fall back) of strings, booleans, null and finite
 * numbers other than -0. Anything else (undefined, NaN, bigint, Date, Map, typed arrays, class
 * instances, @conc objects) goes the general way.
 */
function isJsonSafe(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth > 32) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) if (!(i in value) || !isJsonSafe(value[i], depth + 1)) return false;
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype || isShareable(value)) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) return false;
        if (!isJsonSafe((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function tagOnly(tag: Tag): Uint8Array {
  scratch[0] = tag;
  return scratch.subarray(0, 1);
}

/**
 * Decodes bytes made by {@link encode}; accepts a view over a `SharedArrayBuffer`. @conc objects
 * inside the value come back live.
 * @internal
 */
export function decode(bytes: Uint8Array): unknown {
  const value = decodeAt(bytes, 0, bytes.length);
  if (value !== UNDECODED) return value;
  switch (bytes[0] as Tag) {
    case Tag.Serialized:
      return deserialize(bytes.subarray(1));
    case Tag.SerializedShared:
      return reviveSync(deserialize(bytes.subarray(1)), { reviveMarked: tokenToBuffer });
    default:
      throw new TypeError(`decode: unknown tag ${bytes[0]} (the bytes were not made by encode)`);
  }
}

/** What {@link decodeAt} returns for an encoding it leaves to {@link decode}. @internal */
export const UNDECODED: unique symbol = Symbol('UNDECODED');

/**
 * Decodes the `length` bytes at `start` of `source` (a view over shared memory, say) when they
 * take a tagged fast path (everything {@link encodeInto} writes), reading them in place:
 * decoding cannot throw and runs nothing but the codec, so a queue may do it holding its
 * lock, before it frees the record. Anything else (v8 serialization, which may revive @conc
 * objects or throw) is left: {@link UNDECODED}, and the caller copies the bytes out for
 * `decode`.
 * @internal
 */
export function decodeAt(source: Uint8Array, start: number, length: number): unknown {
  switch (source[start] as Tag) {
    case Tag.Undefined:
      return undefined;
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Int32:
      // Read byte by byte: a DataView per decode was the main cost of a queue's small-item get.
      return source[start + 1]! | (source[start + 2]! << 8) | (source[start + 3]! << 16) | (source[start + 4]! << 24);
    case Tag.Float64:
      for (let i = 0; i < 8; i++) float64Bytes[i] = source[start + 1 + i]!;
      return float64View.getFloat64(0, true);
    case Tag.String:
      return textDecoder.decode(textBytes(source, start + 1, start + length));
    case Tag.Bytes:
      return source.slice(start + 1, start + length);
    case Tag.Json:
      return JSON.parse(textDecoder.decode(textBytes(source, start + 1, start + length)));
    default:
      return UNDECODED;
  }
}

/** The bytes of a text for TextDecoder, which refuses views over shared memory in some runtimes: those are copied. */
function textBytes(source: Uint8Array, begin: number, end: number): Uint8Array {
  return source.buffer instanceof SharedArrayBuffer ? source.slice(begin, end) : source.subarray(begin, end);
}

// A SharedArrayBuffer cannot be serialized into bytes; the heap every thread holds stands in
// for it as a token, so @conc objects can travel inside items in shared memory.
const HEAP_TOKEN = '__conc_heap__';

function bufferToToken(value: unknown, path: string): unknown {
  if (value instanceof SharedArrayBuffer) {
    if (value !== heap()) throw new DataCloneError(path, 'a SharedArrayBuffer cannot travel through shared memory (use a SharedArray, or pass it in a Thread\'s args)');
    return { [HEAP_TOKEN]: heapId() };
  }
  if (Array.isArray(value)) return value.map((item) => bufferToToken(item, path));
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = bufferToToken(item, path);
    return out;
  }
  return value;
}

function tokenToBuffer(marked: Record<string, unknown>): undefined {
  restore(marked);
  return undefined;
}

function restore(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (typeof (value as Record<string, unknown>)[HEAP_TOKEN] === 'number') {
    if ((value as Record<string, number>)[HEAP_TOKEN] !== heapId()) throw new TypeError('decode: the bytes name a shared heap of another process');
    return heap();
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restore(value[i]);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = restore(record[key]);
  }
  return value;
}
