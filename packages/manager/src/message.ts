import { deserialize, serialize } from 'node:v8';

/**
 * The messages inside frames. Data only: a request names an object and a method and carries
 * arguments; a reply carries a status and a value. Values take tagged fast paths (numbers,
 * strings, booleans, null, undefined) and v8 serialization otherwise — never code, and the
 * server never rebuilds objects from what it receives (a descriptor is kept as plain data).
 *
 * A frame is `[u32 body length]` then the body:
 * - request: `[u32 id][i32 target][u8 method length][method][u8 argc]` then each argument as a value
 * - reply: `[u32 id][u8 status][value]`
 * Any inconsistency throws, and the connection that sent it is closed.
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
}

/** Builds frames into one growing buffer, so a tick's frames go out in one write. @internal */
export class FrameBuilder {
  private buffer = Buffer.allocUnsafe(64 * 1024);
  private end = 0;
  private frameStart = 0;

  private reserve(bytes: number): void {
    if (this.end + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.end + bytes));
    this.buffer.copy(next, 0, 0, this.end);
    this.buffer = next;
  }

  /** Starts a frame (its length is filled in by {@link endFrame}). */
  beginFrame(): void {
    this.reserve(4);
    this.frameStart = this.end;
    this.end += 4;
  }

  endFrame(): void {
    this.buffer.writeUInt32LE(this.end - this.frameStart - 4, this.frameStart);
  }

  /** The size of the frame being built so far. */
  get frameBytes(): number {
    return this.end - this.frameStart - 4;
  }

  /** Drops the frame being built (an argument could not be encoded). */
  abortFrame(): void {
    this.end = this.frameStart;
  }

  u8(value: number): void {
    this.reserve(1);
    this.buffer[this.end++] = value;
  }

  u32(value: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(value, this.end);
    this.end += 4;
  }

  i32(value: number): void {
    this.reserve(4);
    this.buffer.writeInt32LE(value, this.end);
    this.end += 4;
  }

  /** A short latin1 string with a u8 length (method names). */
  name(value: string): void {
    if (value.length > 255) throw new RangeError(`method name too long: ${value.slice(0, 40)}…`);
    this.reserve(1 + value.length);
    this.buffer[this.end++] = value.length;
    this.end += this.buffer.write(value, this.end, 'latin1');
  }

  /** A value: a tag, then its payload. */
  value(value: unknown): void {
    switch (typeof value) {
      case 'undefined':
        return this.u8(Tag.Undefined);
      case 'boolean':
        return this.u8(value ? Tag.True : Tag.False);
      case 'number':
        if ((value | 0) === value && !Object.is(value, -0)) {
          this.u8(Tag.Int32);
          return this.i32(value);
        }
        this.reserve(9);
        this.buffer[this.end++] = Tag.Float64;
        this.buffer.writeDoubleLE(value, this.end);
        this.end += 8;
        return;
      case 'string': {
        this.reserve(5 + value.length * 3);
        this.buffer[this.end++] = Tag.String;
        const at = this.end;
        this.end += 4;
        const written = this.buffer.write(value, this.end, 'utf8');
        this.buffer.writeUInt32LE(written, at);
        this.end += written;
        return;
      }
      default: {
        if (value === null) return this.u8(Tag.Null);
        const bytes = serialize(value);
        this.reserve(5 + bytes.length);
        this.buffer[this.end++] = Tag.Serialized;
        this.buffer.writeUInt32LE(bytes.length, this.end);
        this.end += 4;
        this.end += bytes.copy(this.buffer, this.end);
      }
    }
  }

  /** The bytes built so far: the frame just ended is `bytes[lastFrameStart, length)`, its length prefix included. */
  get bytes(): Buffer {
    return this.buffer;
  }
  get lastFrameStart(): number {
    return this.frameStart;
  }
  get length(): number {
    return this.end;
  }

  /** Appends a complete frame built elsewhere (`src[start, end)`, its length prefix included). */
  append(src: Buffer, start: number, end: number): void {
    this.reserve(end - start);
    this.end += src.copy(this.buffer, this.end, start, end);
  }

  /** Forgets everything built (it was copied elsewhere). */
  clear(): void {
    this.end = 0;
    this.frameStart = 0;
    if (this.buffer.length > 1024 * 1024) this.buffer = Buffer.allocUnsafe(64 * 1024);
  }

  /** Takes everything built so far. */
  take(): Buffer | undefined {
    if (this.end === 0) return undefined;
    const out = Buffer.from(this.buffer.subarray(0, this.end));
    // Keep a big buffer only while it is needed.
    if (this.buffer.length > 1024 * 1024) this.buffer = Buffer.allocUnsafe(64 * 1024);
    this.end = 0;
    return out;
  }
}

/** Reads a frame body; every read is bounds-checked and throws on garbage. @internal */
export class BodyReader {
  private body: Buffer = Buffer.alloc(0);
  private at = 0;
  private end = 0;

  /** Reads the frame body at `body[start..end)`; one reader serves every frame of a connection. */
  reset(body: Buffer, start: number, end: number): this {
    this.body = body;
    this.at = start;
    this.end = end;
    return this;
  }

  private need(bytes: number): void {
    if (this.at + bytes > this.end) throw new RangeError('truncated message');
  }
  u8(): number {
    this.need(1);
    return this.body[this.at++]!;
  }
  u32(): number {
    this.need(4);
    const value = this.body.readUInt32LE(this.at);
    this.at += 4;
    return value;
  }
  i32(): number {
    this.need(4);
    const value = this.body.readInt32LE(this.at);
    this.at += 4;
    return value;
  }
  name(): string {
    const length = this.u8();
    this.need(length);
    const value = this.body.toString('latin1', this.at, this.at + length);
    this.at += length;
    return value;
  }
  value(): unknown {
    const tag = this.u8() as Tag;
    switch (tag) {
      case Tag.Undefined: return undefined;
      case Tag.Null: return null;
      case Tag.False: return false;
      case Tag.True: return true;
      case Tag.Int32: return this.i32();
      case Tag.Float64: {
        this.need(8);
        const value = this.body.readDoubleLE(this.at);
        this.at += 8;
        return value;
      }
      case Tag.String: {
        const length = this.u32();
        this.need(length);
        const value = this.body.toString('utf8', this.at, this.at + length);
        this.at += length;
        return value;
      }
      case Tag.Serialized: {
        const length = this.u32();
        this.need(length);
        const value: unknown = deserialize(this.body.subarray(this.at, this.at + length));
        this.at += length;
        return value;
      }
      default:
        throw new TypeError(`unknown value tag ${tag as number}`);
    }
  }
  /** Throws unless every byte was read. */
  done(): void {
    if (this.at !== this.end) throw new RangeError('trailing bytes in message');
  }
}
