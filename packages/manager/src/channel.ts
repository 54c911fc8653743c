import { allocateBlock, CACHE_LINE, heap, openBlock, type SharedBlock } from '@conc/core/internal';
import { Ring, RING_BYTES } from './ring.js';

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
 * measured here on a loaded machine, calls one at a time went 1.3 to 2 times as fast, on less
 * CPU, with socket wake-ups than with futex or `waitAsync` ones.
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


/** The frame that wakes a parked side: an empty one, which carries nothing else. @internal */
export const WAKE_FRAME = Buffer.alloc(4);

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
