import type { Socket } from 'node:net';
import { FrameBuilder } from './message.js';

/**
 * The wire framing: every message after the handshake is a 4-byte little-endian length, then
 * that many bytes. A length above {@link MAX_FRAME_BYTES} is treated as garbage: the reader
 * reports it and the connection is closed (a peer cannot make us allocate gigabytes).
 */

/** The largest frame accepted (128 MiB): a queue item of 50 MB still fits. @internal */
export const MAX_FRAME_BYTES = 128 * 1024 * 1024;

/**
 * Collects bytes from a socket and hands out exact-size pieces: raw ones during the
 * handshake, length-prefixed frames after it.
 * @internal
 */
export class ByteReader {
  private chunks: Buffer[] = [];
  /** Bytes of `chunks[0]` already consumed. */
  private head = 0;
  private buffered = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  get length(): number {
    return this.buffered;
  }

  /**
   * Copies what is left of `chunk` (a view of a read buffer that the next read overwrites, pushed
   * last) into memory of its own.
   */
  retain(chunk: Buffer): void {
    const last = this.chunks.length - 1;
    if (last < 0 || this.chunks[last] !== chunk) return;
    const start = last === 0 ? this.head : 0;
    this.chunks[last] = Buffer.from(chunk.subarray(start));
    if (last === 0) this.head = 0;
  }

  /** The first buffered byte, if any. */
  peek(): number | undefined {
    return this.buffered > 0 ? this.chunks[0]![this.head] : undefined;
  }

  /** Takes exactly `n` bytes (a copy), or returns undefined when fewer are buffered. */
  take(n: number): Buffer | undefined {
    if (this.buffered < n) return undefined;
    this.merge(n);
    const out = Buffer.from(this.chunks[0]!.subarray(this.head, this.head + n));
    this.consume(n);
    return out;
  }

  /**
   * Hands every complete frame buffered to `onFrame` as a region of a buffer (no copy when the
   * frame arrived in one chunk). Returns `'oversized'` (and stops) when a frame announces more
   * than {@link MAX_FRAME_BYTES}.
   */
  frames(onFrame: (buffer: Buffer, start: number, end: number) => void): 'ok' | 'oversized' {
    for (;;) {
      const result = this.frame(onFrame);
      if (result !== 'ok') return result === 'none' ? 'ok' : result;
    }
  }

  /** Drops the empty frames (wake-ups of a shared-memory channel) at the head. */
  skipEmpty(): void {
    while (this.buffered >= 4) {
      this.merge(4);
      if (this.chunks[0]!.readUInt32LE(this.head) !== 0) return;
      this.consume(4);
    }
  }

  /** Hands the next complete frame to `onFrame`, as {@link frames} does; `'none'` when it has not all arrived. */
  frame(onFrame: (buffer: Buffer, start: number, end: number) => void): 'ok' | 'none' | 'oversized' {
    if (this.buffered < 4) return 'none';
    this.merge(4);
    let first = this.chunks[0]!;
    const length = first.readUInt32LE(this.head);
    if (length > MAX_FRAME_BYTES) return 'oversized';
    if (this.buffered < 4 + length) return 'none';
    this.merge(4 + length);
    first = this.chunks[0]!;
    const start = this.head + 4;
    this.consume(4 + length);
    onFrame(first, start, start + length);
    return 'ok';
  }

  /** Makes the first `n` buffered bytes contiguous in `chunks[0]` (only when they are not). */
  private merge(n: number): void {
    if (this.chunks[0]!.length - this.head >= n) return;
    const all = Buffer.concat(this.chunks.map((chunk, i) => (i === 0 ? chunk.subarray(this.head) : chunk)), this.buffered);
    this.chunks = [all];
    this.head = 0;
  }

  private consume(n: number): void {
    this.head += n;
    this.buffered -= n;
    while (this.chunks.length > 0 && this.head >= this.chunks[0]!.length) {
      this.head -= this.chunks[0]!.length;
      this.chunks.shift();
    }
  }
}

/**
 * What both frame writers share (the socket's {@link FrameWriter} and a channel's ring writer):
 * a frame is begun, filled and ended, or dropped whole when it cannot be filled or is too big.
 * @internal
 */
export abstract class FrameSink {
  protected readonly builder = new FrameBuilder();

  /** Starts a frame: fill it through the returned builder, then {@link end} (or {@link abort}). */
  begin(): FrameBuilder {
    this.builder.beginFrame();
    return this.builder;
  }

  /** Drops the frame begun (a value could not be encoded): nothing of it is sent. */
  abort(): void {
    this.builder.abortFrame();
  }

  /** Finishes the frame and sends it. */
  abstract end(): void;

  /** Builds one frame with `fill` and sends it; if `fill` throws, nothing of it is sent. */
  frame(fill: (builder: FrameBuilder) => void): void {
    const builder = this.begin();
    try {
      fill(builder);
    } catch (error) {
      this.abort();
      throw error;
    }
    this.end();
  }

  /**
   * Closes the frame begun and returns its size.
   * @throws RangeError (and drops the frame) when it is over {@link MAX_FRAME_BYTES}: the peer
   *   would close the connection.
   */
  protected endFrame(): number {
    const bytes = this.builder.frameBytes;
    if (bytes > MAX_FRAME_BYTES) {
      this.builder.abortFrame();
      throw new RangeError(`a message of ${bytes} bytes is over the manager's limit of ${MAX_FRAME_BYTES} bytes`);
    }
    this.builder.endFrame();
    return bytes;
  }
}

/** The longest a writer keeps sending at the end of jobs without letting the event loop turn (ms). */
const TURN_MS = 2;

/** What a {@link FrameWriter} is told of its side's calls. @internal */
export interface FrameWriterHooks {
  /**
   * Whether the frames being made go at the end of this job instead of after the event loop's
   * poll phase: they have nothing to batch with (a call one at a time, the reply to one).
   */
  soon?(): boolean;
  /** Called after each write with the number of frames it carried (see socket-poll.ts). */
  flushed?(frames: number): void;
}

/**
 * Writes frames to a socket, batching the frames of one event-loop turn into one write
 * (pipelined calls cost one syscall, not one each).
 * @internal
 */
export class FrameWriter extends FrameSink {
  private scheduled = false;
  /** Frames made since the last write. */
  private frames = 0;
  /** When a write last waited for the event loop to turn. */
  private lastTurn = performance.now();

  constructor(
    private readonly socket: Socket,
    private readonly hooks: FrameWriterHooks = {},
  ) {
    super();
  }

  /**
   * Finishes the frame; the frames made in one turn of the event loop leave in one write.
   * @throws RangeError (and drops the frame) when it is over {@link MAX_FRAME_BYTES}.
   */
  end(): void {
    this.endFrame();
    this.frames++;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // A frame with nothing to batch with leaves at the end of this job (a turn of the event
    // loop is a few µs of a call's round trip) — but a loop of such calls whose replies come
    // back without the loop (socket-poll.ts) must still let it turn now and then.
    if (this.hooks.soon?.() && performance.now() - this.lastTurn < TURN_MS) {
      queueMicrotask(this.flush);
      return;
    }
    // After the poll phase, not after this callback: the replies read in one turn and the
    // calls their continuations make share one write (a third less CPU per pipelined call).
    setImmediate(this.turn);
  }

  /** Sends a complete frame built elsewhere (`src[start, end)`, its length prefix included). */
  append(src: Buffer, start: number, end: number): void {
    this.builder.append(src, start, end);
    this.frames++;
    this.schedule();
  }

  private readonly turn = (): void => {
    this.lastTurn = performance.now();
    this.flush();
  };

  private readonly flush = (): void => {
    this.scheduled = false;
    const bytes = this.builder.take();
    const frames = this.frames;
    this.frames = 0;
    if (!bytes || this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(bytes);
    this.hooks.flushed?.(frames);
  };
}
