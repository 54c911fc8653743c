import { allocateBlock, CACHE_LINE, heap, openBlock, type SharedBlock } from '@conc/core/internal';

/**
 * The shared-memory channel between a manager server running on a worker thread and a client
 * thread of the same process: two single-producer/single-consumer byte rings in the process's
 * shared heap (requests client → server, replies server → client) that carry the very frames
 * the socket carries. A call costs a copy into the ring and nothing else while the other side
 * is awake (polling); a side that parked is woken with an empty frame on the socket.
 *
 * The socket stays open beside it: the handshake (authkey) runs there first, and the channel is
 * only offered afterwards; its closing still tells either side that the other is gone; a frame
 * too big for the ring travels on it, with a marker in the ring keeping the order; and it wakes
 * a parked side. Why the socket and not a futex: a parked side waits in its event loop, where
 * `Atomics.waitAsync` wake-ups cost 10 to 50 µs, and on a busy machine a socket write hands the
 * core straight to the reader (the kernel's synchronous wake-up), which a futex wake does not:
 * measured here, a loaded machine served calls up to twice as fast with socket wake-ups.
 *
 * Ownership: the server allocates channels and reuses them after a client disconnects. The
 * `OWNER` word makes reuse safe against a client that is still running (it has not yet seen the
 * close) or that died mid-call: a client touches the channel only inside a section opened by a
 * compare-and-swap on `OWNER` that names its generation, so once the server has closed the
 * channel the client cannot write to it again, and the server reuses it only when no section is
 * open. A client that died inside a section leaves its channel closed for good (a rare leak of
 * one channel, never a wedge: nothing waits on a client).
 */

/** The kind tags of the shared blocks. @internal */
export const CHANNEL_KIND = '@conc/manager:channel';
/** @internal */
export const HUB_KIND = '@conc/manager:hub';

/** Bytes of each ring. A power of two, so that the u32 position counters wrap with it. @internal */
export const RING_BYTES = 64 * 1024;
const MASK = RING_BYTES - 1;
/** Frames with bodies above this go over the socket, a marker in the ring standing for them. @internal */
export const RING_FRAME_LIMIT = RING_BYTES / 4;

const WORDS_PER_LINE = CACHE_LINE / 4;
/** Word indexes of a channel block; each word another side writes lives on its own line. @internal */
export const enum Word {
  /** The hub's byte offset / 64 (header line, written once). */
  Hub = 2,
  /** The client set it: it reads and writes the rings (until then the socket carries frames). */
  Attached = 3,
  /** `generation * 2` (+1 while the client is inside a section); `Closed`/`ClosedBusy` once the server dropped the client. */
  Owner = WORDS_PER_LINE,
  RequestTail = 2 * WORDS_PER_LINE,
  RequestHead = 3 * WORDS_PER_LINE,
  ReplyTail = 4 * WORDS_PER_LINE,
  ReplyHead = 5 * WORDS_PER_LINE,
  /** 1: the client parked (wake it); 2: a wake is on its way; 0: awake. */
  ClientWaiting = 6 * WORDS_PER_LINE,
  /** The client found the request ring full (the server wakes it after reading). */
  ClientWantsSpace = 6 * WORDS_PER_LINE + 1,
  /** The server found the reply ring full (the client rings the bell after reading). */
  ServerWantsSpace = 7 * WORDS_PER_LINE,
}
/** `Owner` once the server dropped the client: reusable. @internal */
export const CLOSED = -2;
/** `Owner` once the server dropped a client that was inside a section: reusable when it leaves. @internal */
export const CLOSED_BUSY = -1;

const RINGS_AT = 8 * CACHE_LINE;
const CHANNEL_BYTES = RINGS_AT + 2 * RING_BYTES;

/** Word indexes of the hub block: the server's doorbell, shared by its channels. @internal */
export const enum HubWord {
  /** Bumped by a client after it put a request (or freed reply space). */
  Bell = WORDS_PER_LINE,
  /** 1: the server parked (wake it); 2: a wake is on its way; 0: awake. */
  Parked = 2 * WORDS_PER_LINE,
}
const HUB_BYTES = 3 * CACHE_LINE;

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
 * record never straddles the end: a wrap marker sends the reader back to the start.
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

  /** Producer: copies a frame (`src[start, end)`, its length prefix included) in; false when there is no room now. */
  put(src: Buffer, start: number, end: number): boolean {
    const at = this.reserve(end - start);
    if (at < 0) return false;
    src.copy(this.bytes, at, start, end);
    this.publish(end - start);
    return true;
  }

  /** Producer: puts the marker of a frame sent on the socket; false when there is no room now. */
  putSocketMarker(): boolean {
    const at = this.reserve(4);
    if (at < 0) return false;
    this.bytes.writeUInt32LE(SOCKET, at);
    this.publish(4);
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

  private publish(length: number): void {
    this.tail = (this.tail + ((length + 3) & ~3)) >>> 0;
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

/** The words and rings of one channel, as either side sees them. @internal */
export class ChannelMemory {
  readonly i32: Int32Array;
  readonly requests: Ring;
  readonly replies: Ring;
  /** The hub's words (its doorbell). */
  readonly hub: Int32Array;

  constructor(readonly block: SharedBlock) {
    this.i32 = block.i32;
    const bytes = (at: number): Buffer => Buffer.from(block.buffer, block.byteOffset + at, RING_BYTES);
    this.requests = new Ring(block.i32, Word.RequestHead, Word.RequestTail, bytes(RINGS_AT));
    this.replies = new Ring(block.i32, Word.ReplyHead, Word.ReplyTail, bytes(RINGS_AT + RING_BYTES));
    const hubOffset = Atomics.load(block.i32, Word.Hub) * CACHE_LINE;
    this.hub = new Int32Array(block.buffer, hubOffset, HUB_BYTES / 4);
  }

  /** A client's section: open only while the channel is still its generation's; false once closed. */
  enter(generation: number): boolean {
    return Atomics.compareExchange(this.i32, Word.Owner, generation * 2, generation * 2 + 1) === generation * 2;
  }

  /** Leaves a section; when the server closed the channel meanwhile, hands it over for reuse. */
  leave(generation: number): void {
    if (Atomics.compareExchange(this.i32, Word.Owner, generation * 2 + 1, generation * 2) !== generation * 2 + 1) {
      Atomics.store(this.i32, Word.Owner, CLOSED);
    }
  }

  /** Rings the server's doorbell; true when the server parked and this caller must wake it. */
  ringBell(): boolean {
    Atomics.add(this.hub, HubWord.Bell, 1);
    return Atomics.load(this.hub, HubWord.Parked) === 1 && Atomics.compareExchange(this.hub, HubWord.Parked, 1, 2) === 1;
  }

  /** True when the client parked and the caller (the server) must wake it. */
  clientToWake(): boolean {
    return Atomics.load(this.i32, Word.ClientWaiting) === 1 && Atomics.compareExchange(this.i32, Word.ClientWaiting, 1, 2) === 1;
  }
}

/** How long a side polls (ms): longer than the other side takes to answer a call while awake. */
const POLL_MS = 0.05;
/** A side that stopped polling still polls once in this many waits, to see whether it pays again. */
const PROBE_EVERY = 64;

/**
 * Whether a side polls for the other before it parks (and must be woken through the socket, a
 * wake-up that costs both sides 10 to 20 µs of CPU and more in latency). A poll pays when it
 * catches the other side awake and answering within microseconds (a client calling one call at
 * a time, a server answering a dict call); one that runs out burns as much as the wake-up it
 * hoped to save — and on a busy machine it steals the very core the other side waits for. So a
 * side polls while most of its recent polls caught the other side (a moving average), and
 * otherwise only once every {@link PROBE_EVERY} waits.
 * @internal
 */
export class SpinBudget {
  private hits = 1;
  private skipped = 0;

  /** How long to poll now (ms); 0: park at once. */
  get poll(): number {
    if (this.hits >= 0.5) return POLL_MS;
    return ++this.skipped % PROBE_EVERY === 0 ? POLL_MS : 0;
  }

  /** Records a poll's outcome: it caught the other side, or it ran out. */
  polled(caught: boolean): void {
    this.hits += ((caught ? 1 : 0) - this.hits) / 8;
  }
}

/** The frame that wakes a parked side: an empty one, which carries nothing else. @internal */
export const WAKE_FRAME = Buffer.alloc(4);

/** Polls while `i32[index] === value`, until `until` (a `performance.now()` time); true once it changed. @internal */
export function poll(i32: Int32Array, index: number, value: number, until: number): boolean {
  while (Atomics.load(i32, index) === value) if (performance.now() >= until) return false;
  return true;
}

/** A server's doorbell block. @internal */
export function allocateHub(): SharedBlock {
  return allocateBlock(HUB_KIND, HUB_BYTES);
}

/** A new channel of the hub `hub` (server side). @internal */
export function allocateChannel(hub: SharedBlock): ChannelMemory {
  const block = allocateBlock(CHANNEL_KIND, CHANNEL_BYTES);
  block.i32[Word.Hub] = hub.byteOffset / CACHE_LINE;
  return new ChannelMemory(block);
}

/**
 * Opens the channel the server offered (client side): it must be in this thread's heap, be a
 * channel, and be of the generation offered. Undefined otherwise (the server is in another
 * process whose heap happened to carry the same id: the socket is used instead).
 * @internal
 */
export function openChannel(byteOffset: number, generation: number): ChannelMemory | undefined {
  const buffer = heap();
  if (!Number.isInteger(byteOffset) || byteOffset <= 0 || byteOffset % CACHE_LINE !== 0 || byteOffset + CHANNEL_BYTES > buffer.byteLength) return undefined;
  try {
    const block = openBlock(CHANNEL_KIND, { buffer, byteOffset, byteLength: CHANNEL_BYTES });
    if (Atomics.load(block.i32, Word.Owner) !== generation * 2) return undefined;
    return new ChannelMemory(block);
  } catch {
    return undefined;
  }
}
