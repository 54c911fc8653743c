/**
 * One direction of a shared-memory channel (see channel.ts): a single-producer/single-consumer
 * byte ring carrying the wire's frames in place.
 */

/** Bytes of each ring. A power of two, so that the u32 position counters wrap with it. @internal */
export const RING_BYTES = 64 * 1024;
const MASK = RING_BYTES - 1;
/** Frames with bodies above this go over the socket, a marker in the ring standing for them. @internal */
export const RING_FRAME_LIMIT = RING_BYTES / 4;

/** Record lengths above any frame's: the ring wraps here / the next frame is on the socket. */
const WRAP = 0xffffffff;
const SOCKET = 0xfffffffe;

/** What {@link Ring.next} found. @internal */
export const enum Next {
  Empty = 0,
  Frame = 1,
  Socket = 2,
  Malformed = 3,
}

/**
 * One direction of a channel: records `[u32 body length][body]` padded to 4 bytes, with
 * monotonic u32 head/tail byte counters (the consumer owns the head, the producer the tail). A
 * record never straddles the end: a wrap marker sends the reader back to the start. What the
 * producer puts is seen by the consumer once it publishes: a batch at a time.
 * @internal
 */
export class Ring {
  private head: number;
  private tail: number;
  /** The body of the record {@link next} found: `bytes[start, end)`. */
  start = 0;
  end = 0;
  private after = 0;

  constructor(
    private readonly i32: Int32Array,
    private readonly headAt: number,
    private readonly tailAt: number,
    /** The ring's bytes (a Buffer over shared memory). */
    readonly bytes: Buffer,
  ) {
    this.head = Atomics.load(i32, headAt) >>> 0;
    this.tail = Atomics.load(i32, tailAt) >>> 0;
  }

  /** Producer: copies a frame (`src[start, end)`, its length prefix included) in, unpublished; false when there is no room now. */
  put(src: Buffer, start: number, end: number): boolean {
    const at = this.reserve(end - start);
    if (at < 0) return false;
    src.copy(this.bytes, at, start, end);
    this.extend(end - start);
    return true;
  }

  /** Producer: puts the marker of a frame sent on the socket; false when there is no room now. */
  putSocketMarker(): boolean {
    const at = this.reserve(4);
    if (at < 0) return false;
    this.bytes.writeUInt32LE(SOCKET, at);
    this.extend(4);
    return true;
  }

  private reserve(length: number): number {
    const need = (length + 3) & ~3;
    const free = RING_BYTES - ((this.tail - (Atomics.load(this.i32, this.headAt) >>> 0)) >>> 0);
    const at = this.tail & MASK;
    if (at + need <= RING_BYTES) return need <= free ? at : -1;
    const skip = RING_BYTES - at;
    if (skip + need > free) return -1;
    this.bytes.writeUInt32LE(WRAP, at);
    this.tail = (this.tail + skip) >>> 0;
    return 0;
  }

  private extend(length: number): void {
    this.tail = (this.tail + ((length + 3) & ~3)) >>> 0;
  }

  /** Producer: makes what was put visible to the consumer. */
  publish(): void {
    Atomics.store(this.i32, this.tailAt, this.tail | 0);
  }

  /** Consumer: the tail's value while nothing waits to be read (what to wait on for more). */
  get consumed(): number {
    return this.head | 0;
  }

  /** Consumer: whether a record waits. */
  get readable(): boolean {
    return this.head !== Atomics.load(this.i32, this.tailAt) >>> 0;
  }

  /**
   * Consumer: finds the next record without consuming it. A frame's body is then at
   * `bytes[start, end)`; call {@link advance} once done with it (or with a socket marker).
   * Lengths are checked: a record that does not fit what was published is `Malformed`.
   */
  next(): Next {
    const tail = Atomics.load(this.i32, this.tailAt) >>> 0;
    let head = this.head;
    for (;;) {
      const used = (tail - head) >>> 0;
      if (used === 0) return Next.Empty;
      const at = head & MASK;
      if (used < 4 || used > RING_BYTES) return Next.Malformed;
      const length = this.bytes.readUInt32LE(at);
      if (length === WRAP) {
        if (RING_BYTES - at > used) return Next.Malformed;
        head = (head + RING_BYTES - at) >>> 0;
        this.head = head;
        continue;
      }
      if (length === SOCKET) {
        this.after = (head + 4) >>> 0;
        return Next.Socket;
      }
      const need = (4 + length + 3) & ~3;
      if (length > RING_FRAME_LIMIT || at + 4 + length > RING_BYTES || need > used) return Next.Malformed;
      this.start = at + 4;
      this.end = at + 4 + length;
      this.after = (head + need) >>> 0;
      return Next.Frame;
    }
  }

  /** Consumer: consumes the record {@link next} found, freeing its room for the producer. */
  advance(): void {
    this.head = this.after;
    Atomics.store(this.i32, this.headAt, this.head | 0);
  }
}
