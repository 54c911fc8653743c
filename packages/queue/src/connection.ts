import { EOFError, ShutDownError, StateError, TimeoutError, type WaitOptions } from '@conc/core';
import {
  checkTimeout,
  deadlineAfter,
  decode,
  encode,
  parseWait,
  registerKind,
  toDescriptor,
  trace,
  traceChannel,
  type SharedDescriptor,
} from '@conc/core/internal';
import { Word } from './layout.js';
import { FifoCore, type FifoCoreFields } from './fifo-core.js';

const KIND = '@conc/queue:Connection';
/** The tag of a pipe's one-way channels. @internal */
export const CHANNEL_KIND = '@conc/queue:Pipe';

let parked: { rx: FifoCore | undefined; tx: FifoCore | undefined } | undefined;

/**
 * One end of a {@link Pipe}: Python's `multiprocessing.connection.Connection`. It sends to and
 * receives from the other end through shared memory, between threads and (through the
 * process broker) processes.
 *
 * An end passed to another thread or process is the same end, not a duplicate: closing it
 * anywhere closes it everywhere (Python duplicates the file descriptor instead, so there one
 * closes the child's end in the parent; do not do that here).
 *
 * @typeParam T - The type of the values sent.
 * @example
 * ```ts
 * import { Pipe } from '@conc/queue';
 * const [a, b] = Pipe<string>();
 * a.send('ping');
 * console.log(await b.recv()); // ping
 * a.close();
 * console.log(await b.poll(), a.closed); // true true
 * await b.recv().catch((e: Error) => console.log(e.name)); // EOFError
 * ```
 */
export class Connection<T = unknown> {
  /** @internal */
  readonly _rx: FifoCore | undefined;
  /** @internal */
  readonly _tx: FifoCore | undefined;

  /** @internal Connections come from {@link Pipe}. */
  constructor(rx?: FifoCore, tx?: FifoCore) {
    const revived = parked;
    parked = undefined;
    this._rx = revived ? revived.rx : rx;
    this._tx = revived ? revived.tx : tx;
  }

  /** Whether this end has been closed (here or in another thread or process). */
  get closed(): boolean {
    return (this._rx ? this._rx.isClosed(Word.ReaderClosed) : true) && (this._tx ? this._tx.isShutDown() : true);
  }

  /** Whether this end can send. */
  get writable(): boolean {
    return this._tx !== undefined;
  }

  /** Whether this end can receive. */
  get readable(): boolean {
    return this._rx !== undefined;
  }

  /**
   * Sends `value` to the other end. It never waits: a pipe holds whatever is sent until it is
   * received.
   * @param value - Any structured-cloneable value; `@conc` objects inside it cross by reference.
   * @throws StateError when this end is closed, cannot send (the reader of a one-way pipe), or
   *   the other end is closed (Python raises `BrokenPipeError`); DataCloneError when the value
   *   cannot cross.
   */
  send(value: T): void {
    const tx = this.#open('send');
    if (!tx) throw new StateError('Connection.send: this end of a one-way pipe only receives');
    if (tx.isClosed(Word.ReaderClosed)) throw new StateError('Connection.send: the other end of the pipe is closed (Python: BrokenPipeError)');
    const bytes = encode(value, 'value');
    tx.putSync(bytes, undefined, Infinity, false);
    if (traceChannel.hasSubscribers) trace('put', 'Connection', tx.id, { size: bytes.length });
  }

  /**
   * Receives the next value sent from the other end, waiting without blocking the event loop.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking?, signal? }`; waits forever by default.
   * @returns A promise of the value.
   * @throws (rejects) EOFError when the other end is closed and nothing is left to read;
   *   TimeoutError when nothing came in time; StateError when this end is closed or only sends;
   *   the signal's reason on abort (nothing is taken).
   */
  async recv(opts?: number | WaitOptions): Promise<T> {
    const { deadline, signal } = parseWait(opts, 'Connection.recv');
    const rx = this.#reader('recv');
    if (signal?.aborted) throw signal.reason;
    try {
      const bytes = rx.tryGet() ?? (await rx.get(deadline, signal));
      return this.#received(rx, bytes);
    } catch (error) {
      throw translate(error);
    }
  }

  /**
   * The blocking form of {@link Connection.recv}, for worker threads.
   * @param opts - A timeout in milliseconds, or `{ timeout?, blocking? }`; waits forever by default.
   * @returns The value.
   * @throws EOFError when the other end is closed and nothing is left; TimeoutError when nothing
   *   came in time; StateError when this end is closed or only sends.
   */
  recvSync(opts?: number | WaitOptions): T {
    const { deadline, signal } = parseWait(opts, 'Connection.recvSync');
    const rx = this.#reader('recvSync');
    if (signal?.aborted) throw signal.reason;
    try {
      const value = rx.getValueSync(deadline) as T;
      if (traceChannel.hasSubscribers) trace('get', 'Connection', rx.id, { size: rx.lastSize });
      return value;
    } catch (error) {
      throw translate(error);
    }
  }

  /**
   * Whether there is something to read: a value, or the end of the stream (the other end
   * closed, so `recv` would throw `EOFError` at once).
   * @param timeout - How long to wait, in milliseconds: `0` (the default) checks at once;
   *   `Infinity` or `null` waits until there is.
   * @returns A promise of `true` when `recv` would not wait.
   * @throws (rejects) StateError when this end is closed or only sends; RangeError/TypeError for a bad timeout.
   */
  async poll(timeout: number | null = 0): Promise<boolean> {
    const ms = checkTimeout(timeout, 'Connection.poll');
    const rx = this.#reader('poll');
    return rx.readable(deadlineAfter(ms), undefined);
  }

  /**
   * Closes this end: the other end's `recv` then throws `EOFError` once it has read what was
   * sent, and its `send` throws. Closing twice does nothing.
   */
  close(): void {
    this._rx?.close(Word.ReaderClosed);
    // The writer closing is a shutdown of its channel: the reader drains it, then sees the end.
    this._tx?.shutdown(false);
  }

  #open(what: string): FifoCore | undefined {
    if (this.closed) throw new StateError(`Connection.${what}: this end of the pipe is closed`);
    return this._tx;
  }

  #reader(what: string): FifoCore {
    if (this.closed) throw new StateError(`Connection.${what}: this end of the pipe is closed`);
    if (!this._rx) throw new StateError(`Connection.${what}: this end of a one-way pipe only sends`);
    return this._rx;
  }

  #received(rx: FifoCore, bytes: Uint8Array): T {
    const value = decode(bytes) as T;
    if (traceChannel.hasSubscribers) trace('get', 'Connection', rx.id, { size: bytes.length });
    return value;
  }

  /** @internal */
  [toDescriptor](): SharedDescriptor {
    return { kind: KIND, rx: this._rx?.fields() ?? null, tx: this._tx?.fields() ?? null };
  }
}

// Registered outside the class: a static block naming the class makes esbuild rename it (`_Queue`).
registerKind(KIND, {
  revive: (descriptor) => {
    const open = (fields: unknown): FifoCore | undefined => (fields ? FifoCore.open(CHANNEL_KIND, fields as FifoCoreFields) : undefined);
    parked = { rx: open(descriptor['rx']), tx: open(descriptor['tx']) };
    try {
      return new Connection();
    } finally {
      parked = undefined;
    }
  },
  syncMethods: ['send', 'recvSync', 'close'],
});

function translate(error: unknown): unknown {
  if (error instanceof ShutDownError) return new EOFError('Connection.recv: the other end of the pipe is closed and nothing is left to read');
  if (error instanceof Error && error.name === 'EmptyError') return new TimeoutError('Connection.recv: nothing was received before the timeout');
  return error;
}
