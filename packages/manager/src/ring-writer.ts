import { RING_FRAME_LIMIT, type Ring } from './ring.js';
import { FrameSink, type FrameWriter } from './frame.js';

/** What a ring writer needs from its side of the channel. @internal */
export interface RingSide {
  /** Opens a section in which the ring may be written; false once the channel is closed. */
  enter(): boolean;
  leave(): void;
  /** Records were put: the side publishes them and tells the consumer (at once or after the batch). */
  signal(): void;
  /** Asks the consumer to say when it has made room (the ring is full). */
  wantSpace(): void;
  /** The channel is closed: nothing more can be sent. */
  closed(): void;
}

/**
 * Writes frames into one ring of a channel, with the interface of {@link FrameWriter}. A frame
 * goes into the ring at once, so a call made alone leaves without waiting for the event loop;
 * one too big for the ring is sent on the socket and a marker takes its place in the ring; when
 * the ring is full, frames wait here in order until the consumer makes room ({@link flush}).
 * @internal
 */
export class RingWriter extends FrameSink {
  /** Frames waiting for room, in order; `null` stands for a marker of a frame already on the socket. */
  private readonly waiting: (Buffer | null)[] = [];

  constructor(
    private readonly ring: Ring,
    private readonly socket: FrameWriter,
    private readonly side: RingSide,
  ) {
    super();
  }

  /** Whether frames wait for room in the ring. */
  get blocked(): boolean {
    return this.waiting.length > 0;
  }

  /**
   * Finishes the frame and sends it.
   * @throws RangeError (and drops the frame) when it is over {@link MAX_FRAME_BYTES}.
   */
  end(): void {
    const bytes = this.endFrame();
    const builder = this.builder;
    if (bytes > RING_FRAME_LIMIT) {
      this.socket.append(builder.bytes, builder.lastFrameStart, builder.length);
      this.send(null);
    } else if (this.waiting.length > 0 || !this.put(builder.bytes, builder.lastFrameStart, builder.length)) {
      this.send(Buffer.from(builder.bytes.subarray(builder.lastFrameStart, builder.length)));
    }
    builder.clear();
  }

  /** Moves waiting frames into the ring as far as there is room. */
  flush(): void {
    if (this.waiting.length === 0) return;
    if (!this.side.enter()) return this.side.closed();
    let moved: number;
    try {
      moved = this.move();
      if (this.waiting.length > 0) {
        // The consumer makes room only from what it sees (the frames put were signalled). Ask
        // for a wake-up, then look again: room made in between would otherwise go unseen.
        this.ring.publish();
        this.side.wantSpace();
        moved += this.move();
      }
    } finally {
      this.side.leave();
    }
    if (moved > 0) this.side.signal();
  }

  private move(): number {
    let moved = 0;
    for (; moved < this.waiting.length; moved++) {
      const frame = this.waiting[moved]!;
      if (frame === null ? !this.ring.putSocketMarker() : !this.ring.put(frame, 0, frame.length)) break;
    }
    this.waiting.splice(0, moved);
    return moved;
  }

  private put(src: Buffer, start: number, end: number): boolean {
    if (!this.side.enter()) {
      this.side.closed();
      return true;
    }
    let done: boolean;
    try {
      done = this.ring.put(src, start, end);
    } finally {
      this.side.leave();
    }
    if (done) this.side.signal();
    return done;
  }

  private send(frame: Buffer | null): void {
    this.waiting.push(frame);
    this.flush();
  }
}
