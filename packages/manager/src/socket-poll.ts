import { readSync } from 'node:fs';
import type { Socket } from 'node:net';
import { spareCore } from './spare-core.js';
import { SpinBudget } from './spin-budget.js';

/**
 * Reading a socket synchronously for a few microseconds, instead of going back to the event
 * loop to sleep in epoll until the peer's bytes arrive.
 *
 * Between two processes, a call one at a time costs a round trip, and each side that sleeps
 * while the other works must be woken: on an idle machine (a virtual CPU that halts) that is
 * 25 to 30 µs a side, more than the call itself. A side that expects the peer's frame within
 * microseconds (a client whose one pending call is answered at once, a server whose client
 * calls one at a time) reads the socket's descriptor directly in a loop (it is non-blocking:
 * an empty read is `EAGAIN`) and stays awake — while a {@link SpinBudget} says such polls
 * catch the peer, and only while the machine has a core to spare for it ({@link spareCore}).
 *
 * The bytes it reads go where the event loop's reads go, and after them: libuv hands every
 * read to JavaScript at once, so nothing it read can still be on its way, and a stream with
 * bytes buffered is never polled. An end of file or an error stops the poll without being
 * handled here: the event loop sees it again (an end of file stays readable) and closes the
 * connection as it always does.
 * @internal
 */
export class SocketPoll {
  private readonly budget = new SpinBudget();

  constructor(
    private readonly socket: Socket,
    /** Where reads land; the caller copies out what it keeps of a read before the next. */
    readonly buffer: Buffer,
  ) {}

  /**
   * Waits for the peer's next frame (call it right after the write): reads the socket until
   * `done()` or until the budget runs out, handing each read to `onBytes`; true when `done()`
   * came true. Otherwise the event loop reads it.
   */
  poll(onBytes: (bytes: number, buffer: Buffer) => void, done: () => boolean): boolean {
    // The peer is taken to be awake: a poll long enough to see a sleeping one woken would burn
    // that long on every call to a server whose own poll is off.
    const ms = spareCore() ? this.budget.poll(false) : 0;
    if (ms === 0) return false;
    const until = performance.now() + ms;
    let caught = false;
    for (;;) {
      const bytes = this.read();
      if (bytes > 0) {
        onBytes(bytes, this.buffer);
        if (done()) {
          caught = true;
          break;
        }
      } else if (bytes < 0 || performance.now() >= until) {
        break;
      }
    }
    this.budget.polled(caught);
    return caught;
  }

  /** One non-blocking read: the bytes read, 0 when none have arrived, -1 when polling must stop. */
  read(): number {
    const { socket } = this;
    if (socket.destroyed || socket.readableLength > 0) return -1;
    const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
    // No descriptor (Windows pipes report -1): the event loop reads as before.
    if (typeof fd !== 'number' || fd < 0) return -1;
    // An empty read throws; its stack is never looked at and costs a third of the read.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      const bytes = readSync(fd, this.buffer, 0, this.buffer.length, null);
      return bytes === 0 ? -1 : bytes;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'EAGAIN' || code === 'EWOULDBLOCK' ? 0 : -1;
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}
