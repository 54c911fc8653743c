import { HubWord, WAKE_FRAME, Word, type ChannelMemory } from './channel.js';
import { Next } from './ring.js';
import { poll, SpinBudget } from './spin-budget.js';
import type { ByteReader, FrameWriter } from './frame.js';
import { RingWriter } from './ring-writer.js';

/**
 * The client's half of a shared-memory channel (see channel.ts): it sends requests through the
 * ring and reads the replies, waiting for them the cheapest way that does not hold up the
 * thread's event loop for long.
 *
 * After a call, the port reads in a microtask (so the calls made in one job leave together and
 * their replies are read together). When replies are due soon — some pending call is not one
 * that waits (`acquire`, `get(timeout)`, ...) — it first polls the ring for a few microseconds
 * when a {@link SpinBudget} says it pays: the server answers a dict call in about that. Otherwise,
 * or when the reply is slower, it parks: it says so in the channel, and the server wakes it with
 * an empty frame on the socket. Replies read in microtasks would let a loop of calls run without
 * the event loop ever turning; so once the loop has not turned for {@link TURN_MS}, the port lets
 * it turn before it reads again.
 */

/** The longest the port keeps reading without letting the event loop turn. */
const TURN_MS = 2;

/** What the port needs of its connection. @internal */
export interface PortHost {
  onReply(buffer: Buffer, start: number, end: number): void;
  /** 0: no call is pending; 1: a call whose reply is due soon; 2: only calls that wait. */
  expecting(): 0 | 1 | 2;
  /** The socket's reader: frames a ring marker stands for are there. */
  readonly reader: ByteReader;
  /** Writes to the socket at once (a wake-up frame). */
  write(bytes: Buffer): void;
  /** A malformed record or socket frame. */
  malformed(): void;
  /** The server closed the channel. */
  closed(): void;
}

/** @internal */
export class ChannelPort {
  readonly writer: RingWriter;
  private queued = false;
  private done = false;
  /** A ring marker was read whose frame has not arrived on the socket yet: its data schedules a read. */
  private stalled = false;
  /** This side said it parked: the server wakes it through the socket. */
  private parked = false;
  /** Requests were put since the bell last rang. */
  private bellDue = false;
  private lastTurn = performance.now();
  private turnPending = false;
  private readonly spinning = new SpinBudget();
  /** When the current wait for a reply began (for the spin budget). */
  private waitStart = -1;

  constructor(
    private readonly memory: ChannelMemory,
    private readonly generation: number,
    socket: FrameWriter,
    private readonly host: PortHost,
  ) {
    this.writer = new RingWriter(memory.requests, socket, {
      enter: () => memory.enter(generation),
      leave: () => memory.leave(generation),
      // The bell rings once per job, after all of its calls are in: one wake-up per batch.
      signal: () => {
        this.bellDue = true;
        this.schedule();
      },
      wantSpace: () => Atomics.store(memory.i32, Word.ClientWantsSpace, 1),
      closed: () => this.lost(),
    });
  }

  /** Starts using the channel (the server then reads the ring); false when it was closed already. */
  attach(): boolean {
    if (!this.memory.enter(this.generation)) return false;
    Atomics.store(this.memory.i32, Word.Attached, 1);
    this.memory.leave(this.generation);
    return true;
  }

  /** Reads soon: after the current job and the continuations queued before this. */
  schedule(): void {
    if (this.queued || this.done) return;
    this.queued = true;
    queueMicrotask(this.pump);
  }

  /** Socket data arrived: wake-ups (dropped here) or frames ring markers stand for. */
  onSocketData(): void {
    this.host.reader.skipEmpty();
    this.schedule();
  }

  /** The connection is closed: nothing more is read or written. */
  close(): void {
    this.done = true;
  }

  private readonly pump = (): void => {
    this.queued = false;
    if (this.done) return;
    if (this.parked) this.unpark();
    this.writer.flush();
    if (this.bellDue) {
      this.bellDue = false;
      this.memory.requests.publish();
      if (this.memory.ringBell()) this.host.write(WAKE_FRAME);
    }
    const read = this.read();
    if (this.done) return;
    // A wait for a reply starts at the first pump that finds none and ends with a reply read,
    // also the last one expected: a start left over from an earlier call would end its poll at once.
    if (read > 0) this.waitStart = -1;
    const expecting = this.host.expecting();
    if (expecting === 0 || (this.stalled && read === 0)) return;
    if (read === 0 && this.waitStart < 0) this.waitStart = performance.now();
    if (!this.turnedLately()) {
      this.queued = true;
      setImmediate(this.pump);
      return;
    }
    if (this.bellDue) return this.schedule();
    if (read > 0 || (expecting === 1 && this.polled())) return this.schedule();
    this.park();
  };

  /** Reads every reply waiting; returns how many. */
  private read(): number {
    const { memory, host } = this;
    const ring = memory.replies;
    if (!ring.readable) return 0;
    if (!memory.enter(this.generation)) {
      this.lost();
      return 0;
    }
    let read = 0;
    this.stalled = false;
    try {
      while (!this.done) {
        const next = ring.next();
        if (next === Next.Empty) break;
        if (next === Next.Frame) {
          host.onReply(ring.bytes, ring.start, ring.end);
        } else if (next === Next.Socket) {
          // The frame is on the socket: read on once it has arrived (its data schedules a read).
          host.reader.skipEmpty();
          const taken = host.reader.frame((buffer, start, end) => host.onReply(buffer, start, end));
          if (taken === 'none') {
            this.stalled = true;
            break;
          }
          if (taken === 'oversized') {
            host.malformed();
            break;
          }
        } else {
          host.malformed();
          break;
        }
        ring.advance();
        read++;
      }
      if (read > 0 && Atomics.load(memory.i32, Word.ServerWantsSpace) !== 0) {
        Atomics.store(memory.i32, Word.ServerWantsSpace, 0);
        if (memory.ringBell()) host.write(WAKE_FRAME);
      }
    } finally {
      memory.leave(this.generation);
    }
    return read;
  }

  /** Polls for a reply within the spin budget; true when one came. */
  private polled(): boolean {
    const budget = this.spinning.poll(Atomics.load(this.memory.hub, HubWord.Parked) !== 0);
    if (budget === 0) return false;
    const caught = poll(this.memory.i32, Word.ReplyTail, this.memory.replies.consumed, this.waitStart + budget);
    this.spinning.polled(caught);
    return caught;
  }

  /** Says this side parked; the server's next reply (or room made) wakes it through the socket. */
  private park(): void {
    const { memory } = this;
    if (!memory.enter(this.generation)) return this.lost();
    Atomics.store(memory.i32, Word.ClientWaiting, 1);
    memory.leave(this.generation);
    this.parked = true;
    // What the server did before it could see the flag is not lost: look once more.
    this.writer.flush();
    if (memory.replies.readable && !this.stalled) this.schedule();
  }

  private unpark(): void {
    this.parked = false;
    if (!this.memory.enter(this.generation)) return this.lost();
    Atomics.store(this.memory.i32, Word.ClientWaiting, 0);
    this.memory.leave(this.generation);
  }

  private turnedLately(): boolean {
    if (!this.turnPending) {
      this.turnPending = true;
      setImmediate(this.onTurn);
    }
    return performance.now() - this.lastTurn < TURN_MS;
  }

  private readonly onTurn = (): void => {
    this.turnPending = false;
    this.lastTurn = performance.now();
  };

  private lost(): void {
    if (this.done) return;
    this.host.closed();
  }
}
