import { Next, poll, SLEEP_MS, SpinBudget, Word, type ChannelMemory } from './channel.js';
import type { ByteReader, FrameWriter } from './frame.js';
import { RingWriter } from './ring-writer.js';

/**
 * The client's half of a shared-memory channel (see channel.ts): it sends requests through the
 * ring and reads the replies, waiting for them the cheapest way that does not hold up the
 * thread's event loop for long.
 *
 * After a call, the port reads in a microtask (so the calls made in one job leave together and
 * their replies are read together). When replies are due soon — some pending call is not one
 * that waits (`acquire`, `get(timeout)`, ...) — it first waits for it on this thread, as a
 * {@link SpinBudget} says (polling the ring for microseconds, then sleeping on its futex for
 * well under a millisecond): the server answers a dict call in microseconds, and an
 * `Atomics.waitAsync` wake-up costs more than that. Otherwise, or when the reply is slower, it
 * parks on the reply ring with `Atomics.waitAsync` (the server notifies it). Replies read in microtasks would let a loop of
 * calls run without the event loop ever turning; so once the loop has not turned for
 * {@link TURN_MS}, the port lets it turn before it reads again.
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
  /** A malformed record or socket frame. */
  malformed(): void;
  /** The server closed the channel. */
  closed(): void;
}

/** @internal */
export class ChannelPort {
  readonly writer: RingWriter;
  private queued = false;
  private armed = false;
  private done = false;
  /** A ring marker was read whose frame has not arrived on the socket yet: its data schedules a read. */
  private stalled = false;
  private lastTurn = performance.now();
  private turnPending = false;
  private readonly spinning = new SpinBudget();
  /** When the current wait for a reply began (for the spin budget). */
  private waitStart = 0;

  constructor(
    private readonly memory: ChannelMemory,
    private readonly generation: number,
    socket: FrameWriter,
    private readonly host: PortHost,
  ) {
    this.writer = new RingWriter(memory.requests, socket, {
      enter: () => memory.enter(generation),
      leave: () => memory.leave(generation),
      signal: () => memory.ringBell(),
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

  /** The connection is closed: stops, and lets go of a parked wait. */
  close(): void {
    this.done = true;
    if (this.armed) Atomics.notify(this.memory.i32, Word.ReplyTail);
  }

  private readonly pump = (): void => {
    this.queued = false;
    if (this.done) return;
    this.writer.flush();
    const read = this.read();
    if (this.done) return;
    const expecting = this.host.expecting();
    if (expecting === 0 || (this.stalled && read === 0)) return;
    if (!this.turnedLately()) {
      this.queued = true;
      setImmediate(this.pump);
      return;
    }
    if (read > 0) return this.schedule();
    this.waitStart = performance.now();
    if (expecting === 1 && this.waitBriefly()) return this.schedule();
    this.arm();
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
        memory.ringBell();
      }
    } finally {
      memory.leave(this.generation);
    }
    return read;
  }

  /** Waits for a reply as the spin budget says (polling, then sleeping on the futex); true when one came. */
  private waitBriefly(): boolean {
    const { memory, generation, spinning } = this;
    const i32 = memory.i32;
    const read = memory.replies.consumed;
    const start = this.waitStart;
    const pollMs = spinning.poll;
    let came = pollMs > 0 && poll(i32, Word.ReplyTail, read, start + pollMs);
    if (!came && spinning.sleep) {
      if (!memory.enter(generation)) return false;
      Atomics.store(i32, Word.ClientWaiting, 1);
      memory.leave(generation);
      Atomics.wait(i32, Word.ReplyTail, read, SLEEP_MS);
      if (memory.enter(generation)) {
        Atomics.store(i32, Word.ClientWaiting, 0);
        memory.leave(generation);
      }
      came = Atomics.load(i32, Word.ReplyTail) !== read;
    }
    if (came) spinning.waited(performance.now() - start);
    return came;
  }



  /** Parks until the server writes a reply (or makes room, or closes the channel). */
  private arm(): void {
    if (this.armed) return;
    const { memory } = this;
    if (!memory.enter(this.generation)) return this.lost();
    Atomics.store(memory.i32, Word.ClientWaiting, 1);
    memory.leave(this.generation);
    // Waits while the tail is where this side has read to: a reply put before the flag was
    // seen fails the wait at once, one put after it notifies. Room made in the request ring
    // changes no word this side can wait on, so while frames wait for room, look again soon.
    const wait = Atomics.waitAsync(memory.i32, Word.ReplyTail, memory.replies.consumed, this.writer.blocked ? 1 : Infinity);
    if (!wait.async) return this.woken();
    this.armed = true;
    void wait.value.then(this.woken);
  }

  private readonly woken = (): void => {
    this.armed = false;
    if (this.done) return;
    this.spinning.waited(performance.now() - this.waitStart);
    const { memory } = this;
    if (!memory.enter(this.generation)) return this.lost();
    Atomics.store(memory.i32, Word.ClientWaiting, 0);
    memory.leave(this.generation);
    this.schedule();
  };

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
