import { heapId, type SharedBlock } from '@conc/core/internal';
import { allocateChannel, allocateHub, CLOSED, CLOSED_BUSY, HubWord, WAKE_FRAME, Word, ChannelMemory } from '../channel.js';
import { Next } from '../ring.js';
import { poll, SpinBudget } from '../spin-budget.js';
import type { ByteReader, FrameWriter } from '../frame.js';
import { RingWriter } from '../ring-writer.js';

/**
 * The server's half of the shared-memory channels (see channel.ts): it hands channels to
 * clients of its own process, serves their requests from one loop, and reuses a channel once
 * its client is gone.
 *
 * After work the loop polls the hub's doorbell a little when a {@link SpinBudget} says it pays
 * (a client calling one call at a time sends its next request within microseconds of the
 * reply); then it parks, saying so in the hub, and the event loop serves sockets and timers
 * until a client wakes it with an empty frame on its socket. It yields to its event loop at
 * least every {@link SLICE_MS}.
 */

/** The longest the loop runs without letting the event loop turn. */
const SLICE_MS = 2;

/** What the hub needs of a server connection. @internal */
export interface ChannelClient {
  readonly reader: ByteReader;
  readonly socketWriter: FrameWriter;
  /** Whether the connection is closed (nothing more is read from it). */
  readonly gone: boolean;
  readonly socket: { write(bytes: Buffer): unknown; readonly destroyed: boolean };
  /** A malformed record: close this connection only. */
  destroy(): void;
}

/** One client's channel, server side. @internal */
export class ServerChannel<C extends ChannelClient = ChannelClient> {
  readonly writer: RingWriter;
  /** The client set `Attached`: its frames come through the ring. */
  attached = false;
  /** A socket marker was read and its frame has not arrived yet. */
  stalled = false;
  dead = false;
  /** A wake-up of the client is due (sent once the hub's loop runs out of work, or after this job). */
  wakeDue = false;

  constructor(readonly memory: ChannelMemory, readonly generation: number, readonly client: C, due: (channel: ServerChannel<C>) => void) {
    this.writer = new RingWriter(memory.replies, client.socketWriter, {
      enter: () => !this.dead,
      leave: () => {},
      signal: () => {
        if (this.wakeDue) return;
        this.wakeDue = true;
        due(this);
      },
      wantSpace: () => Atomics.store(memory.i32, Word.ServerWantsSpace, 1),
      closed: () => {},
    });
  }

  /** Publishes the replies put, and wakes the client through its socket when it parked. */
  wakeClient(): boolean {
    this.wakeDue = false;
    if (this.dead) return false;
    this.memory.replies.publish();
    if (!this.memory.clientToWake()) return false;
    if (!this.client.socket.destroyed) this.client.socket.write(WAKE_FRAME);
    return true;
  }

  /** Whether the client has started to use the channel (reads the shared word until it has). */
  isAttached(): boolean {
    if (!this.attached && !this.dead && Atomics.load(this.memory.i32, Word.Attached) !== 0) this.attached = true;
    return this.attached;
  }
}

/** @internal */
export class ChannelHub<C extends ChannelClient = ChannelClient> {
  private hub: SharedBlock | undefined;
  private readonly live = new Set<ServerChannel<C>>();
  /** Channels of clients that left, reused once their owner word says no section is open. */
  private readonly retired: ChannelMemory[] = [];
  private generation = 0;
  private running = false;
  private stopped = false;
  /** Resumes the parked loop. */
  private wakeLoop: (() => void) | undefined;
  /** The loop is serving: replies it writes wake their clients once it runs out of work. */
  private serving = false;
  /** The last replies sent went to a client that parked: its next call comes after a wake-up. */
  private wokeParked = false;
  /** Channels with a wake-up due. */
  private readonly due = new Set<ServerChannel<C>>();
  private flushQueued = false;
  /**
   * Replies written while the loop serves are published, and wake their clients, after its pass
   * over the rings, so a batch of calls gets one wake-up, not one per call; others (a call that
   * completed later) after the current job.
   */
  private readonly wakeDue = (channel: ServerChannel<C>): void => {
    this.due.add(channel);
    if (this.serving || this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flushWakes);
  };
  private readonly flushWakes = (): void => {
    this.flushQueued = false;
    if (this.due.size === 0) return;
    let woke = false;
    for (const channel of this.due) if (channel.wakeClient()) woke = true;
    this.due.clear();
    this.wokeParked = woke;
  };

  constructor(private readonly onFrame: (client: C, buffer: Buffer, start: number, end: number) => void) {}

  /**
   * A channel for a client whose heap has id `clientHeap`, or undefined when that is not this
   * process's heap (the client is in another process: it keeps the socket).
   */
  offer(client: C, clientHeap: unknown): { channel: ServerChannel<C>; offset: number; generation: number } | undefined {
    if (this.stopped || clientHeap !== heapId()) return undefined;
    this.hub ??= allocateHub();
    this.generation = (this.generation % 2 ** 29) + 1;
    const memory = this.reuse(this.generation) ?? allocateChannel(this.hub);
    Atomics.store(memory.i32, Word.Owner, this.generation * 2);
    const channel = new ServerChannel(memory, this.generation, client, this.wakeDue);
    this.live.add(channel);
    if (!this.running) void this.run();
    return { channel, offset: memory.block.byteOffset, generation: this.generation };
  }

  /** The client of `channel` is gone: closes the channel (a client still running learns it from its socket) and retires it. */
  release(channel: ServerChannel<C>): void {
    if (channel.dead) return;
    channel.dead = true;
    this.live.delete(channel);
    close(channel.memory);
    this.retired.push(channel.memory);
  }

  /** Socket data arrived from a client using its channel: a wake-up, or a frame a ring marker stands for. */
  onSocketData(channel: ServerChannel<C>): void {
    channel.client.reader.skipEmpty();
    if (channel.stalled) this.drain(channel);
    this.wake();
  }

  private wake(): void {
    const wake = this.wakeLoop;
    this.wakeLoop = undefined;
    wake?.();
  }

  /** Closes every channel and stops the loop (the server shuts down). */
  stop(): void {
    this.stopped = true;
    for (const channel of [...this.live]) this.release(channel);
    this.wake();
  }

  private reuse(generation: number): ChannelMemory | undefined {
    const at = this.retired.findIndex((memory) => Atomics.load(memory.i32, Word.Owner) === CLOSED);
    if (at < 0) return undefined;
    const [memory] = this.retired.splice(at, 1);
    const i32 = memory!.i32;
    for (const word of [Word.Attached, Word.RequestTail, Word.RequestHead, Word.ReplyTail, Word.ReplyHead, Word.ClientWaiting, Word.ClientWantsSpace, Word.ServerWantsSpace]) {
      Atomics.store(i32, word, 0);
    }
    Atomics.store(i32, Word.Owner, generation * 2);
    // New rings: they read the counters just reset.
    return new ChannelMemory(memory!.block);
  }

  private async run(): Promise<void> {
    this.running = true;
    this.serving = true;
    const bell = this.hub!.i32;
    const spinning = new SpinBudget();
    let sliceStart = performance.now();
    try {
      while (this.live.size > 0 && !this.stopped) {
        const seen = Atomics.load(bell, HubWord.Bell);
        const worked = this.drainAll();
        // The replies of a pass over the rings go out together: one wake-up per batch.
        if (worked) this.flushWakes();
        const now = performance.now();
        if (now - sliceStart >= SLICE_MS) {
          this.flushWakes();
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
          continue;
        }
        // Let the replies of calls that completed asynchronously go out; then serve on only when
        // a client rang since: a client rings once it has put all the calls of a job, so the
        // loop serves whole batches (one wake-up each way per batch, not per call).
        if (worked) {
          await Promise.resolve();
          if (Atomics.load(bell, HubWord.Bell) !== seen) continue;
        }
        this.flushWakes();
        const budget = spinning.poll(this.wokeParked);
        if (budget > 0) {
          const caught = poll(bell, HubWord.Bell, seen, now + budget);
          spinning.polled(caught);
          if (caught) continue;
        }
        // Park: a client that rings the bell from now on wakes the loop through its socket.
        this.serving = false;
        Atomics.store(bell, HubWord.Parked, 1);
        if (Atomics.load(bell, HubWord.Bell) === seen) await new Promise<void>((resolve) => (this.wakeLoop = resolve));
        Atomics.store(bell, HubWord.Parked, 0);
        this.serving = true;
        sliceStart = performance.now();
      }
    } finally {
      this.running = false;
      this.serving = false;
      this.flushWakes();
    }
  }


  private drainAll(): boolean {
    let worked = false;
    for (const channel of this.live) {
      if (channel.writer.blocked) channel.writer.flush();
      if (!channel.stalled && channel.isAttached() && this.drain(channel)) worked = true;
    }
    return worked;
  }

  /** Serves every request waiting in the channel's ring; true when there was one. */
  private drain(channel: ServerChannel<C>): boolean {
    const { client, memory } = channel;
    const ring = memory.requests;
    let worked = false;
    channel.stalled = false;
    while (!channel.dead && !client.gone) {
      const next = ring.next();
      if (next === Next.Empty) break;
      if (next === Next.Frame) {
        this.onFrame(client, ring.bytes, ring.start, ring.end);
      } else if (next === Next.Socket) {
        client.reader.skipEmpty();
        const taken = client.reader.frame((buffer, start, end) => this.onFrame(client, buffer, start, end));
        if (taken === 'none') {
          channel.stalled = true;
          break;
        }
        if (taken === 'oversized') {
          client.destroy();
          break;
        }
      } else {
        client.destroy();
        break;
      }
      ring.advance();
      worked = true;
    }
    if (worked && Atomics.load(memory.i32, Word.ClientWantsSpace) !== 0) {
      Atomics.store(memory.i32, Word.ClientWantsSpace, 0);
      channel.wakeClient();
    }
    return worked;
  }
}

/** Marks a channel closed (`CLOSED_BUSY` when its client is inside a section); the closing socket tells the client. */
function close(memory: ChannelMemory): void {
  const i32 = memory.i32;
  for (;;) {
    const owner = Atomics.load(i32, Word.Owner);
    if (owner < 0) break;
    if (Atomics.compareExchange(i32, Word.Owner, owner, owner & 1 ? CLOSED_BUSY : CLOSED) === owner) break;
  }
}
