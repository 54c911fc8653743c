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
  private buffered = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  get length(): number {
    return this.buffered;
  }

  /** The first buffered byte, if any. */
  peek(): number | undefined {
    return this.chunks[0]?.[0];
  }

  /** Takes exactly `n` bytes, or returns undefined when fewer are buffered. */
  take(n: number): Buffer | undefined {
    if (this.buffered < n) return undefined;
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length === n) {
      this.chunks.shift();
      out = first;
    } else if (first.length > n) {
      out = first.subarray(0, n);
      this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks, this.buffered);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }

  /** Peeks at a little-endian u32 at the front, or undefined when fewer than 4 bytes are buffered. */
  private peekLength(): number | undefined {
    if (this.buffered < 4) return undefined;
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readUInt32LE(0);
    const head = Buffer.concat(this.chunks, this.buffered).subarray(0, 4);
    return head.readUInt32LE(0);
  }

  /**
   * Takes every complete frame buffered. Returns `'oversized'` (and stops) when a frame
   * announces more than {@link MAX_FRAME_BYTES}.
   */
  frames(onFrame: (body: Buffer) => void): 'ok' | 'oversized' {
    for (;;) {
      const length = this.peekLength();
      if (length === undefined) return 'ok';
      if (length > MAX_FRAME_BYTES) return 'oversized';
      if (this.buffered < 4 + length) return 'ok';
      this.take(4);
      onFrame(this.take(length)!);
    }
  }
}

/**
 * Writes frames to a socket, batching the frames of one event-loop turn into one write
 * (pipelined calls cost one syscall, not one each).
 * @internal
 */
export class FrameWriter {
  private readonly builder = new FrameBuilder();
  private scheduled = false;

  constructor(private readonly socket: Socket) {}

  /** Starts a frame: fill it through the returned builder, then {@link end} (or {@link abort}). */
  begin(): FrameBuilder {
    this.builder.beginFrame();
    return this.builder;
  }

  /** Drops the frame begun (a value could not be encoded): nothing of it is sent. */
  abort(): void {
    this.builder.abortFrame();
  }

  /** Finishes the frame; the frames made in one turn of the event loop leave in one write. */
  end(): void {
    this.builder.endFrame();
    if (!this.scheduled) {
      this.scheduled = true;
      // After the poll phase, not after this callback: the replies read in one turn and the
      // calls their continuations make share one write (a third less CPU per pipelined call).
      setImmediate(this.flush);
    }
  }

  /** Builds one frame with `fill`; if `fill` throws, nothing of it is sent. */
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

  private readonly flush = (): void => {
    this.scheduled = false;
    const bytes = this.builder.take();
    if (bytes && !this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  };
}
