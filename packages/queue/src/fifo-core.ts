import { EmptyError, FullError, ShutDownError, StateError } from '@conc/core';
import { decode, decodeAt, encodeInto, remaining, UNDECODED } from '@conc/core/internal';
import { align, copyIn, copyOut } from './arena.js';
import { FifoMemory, WRAP_MARKER, type FifoCoreFields } from './fifo-memory.js';
import { FifoWord, Word } from './layout.js';
import { lockAsync, lockSync, settle, tryLock } from './queue-lock.js';

export type { FifoCoreFields } from './fifo-memory.js';

/**
 * Loads before sleeping for an item or for room: a peer on another core often delivers within
 * a µs. The single-lock queue measured 100 as the best trade (see its note): longer spins take
 * the core the peer needs on 2 shared cores.
 */
const SPINS = 100;
/** How a record is handed over when taken: bytes in this thread's scratch, bytes of its own, or decoded. */
const enum Pop {
  Scratch,
  Kept,
  Value,
}
/** What `#take` gives when there is no item (an item may be `undefined`). */
const NOTHING: unique symbol = Symbol('nothing');
/** Why a put or get gave up before it could even look at the queue. */
const PUT_BUSY = 'put: timed out waiting for the queue';
const GET_BUSY = 'get: timed out waiting for the queue';
/** Why a put gave up once it looked. */
const PUT_FULL = 'put: the queue is full';
const PUT_SHUT = 'put: the queue is shut down';

/**
 * The engine of the first-in first-out queues (`Queue`, `SimpleQueue`, a pipe's channels): the
 * two-lock queue of Michael and Scott (Java's `LinkedBlockingQueue`) on the byte ring of
 * {@link FifoMemory}, which also repairs what a thread dying mid-operation leaves. Producers
 * serialise on a put lock, consumers on a get lock, and on the fast path neither side writes a
 * cache line the other writes: producers own `Puts` and the tail position, consumers own `Gets`
 * and the head position, and each side keeps its last view of the other's counter, re-reading
 * it only when that view says empty (consumer) or full (producer). `qsize()` is `Puts - Gets`
 * (approximate, as Python promises).
 *
 * Waiters spin briefly, then sleep on the memory's event counts (items, room). Works on bytes;
 * the classes encode and decode.
 * @internal
 */
export class FifoCore extends FifoMemory {
  // This thread's views of the other side (each valid while the own counter is as it left it).
  /** Producer: `Puts` as this thread last wrote or checked it. */
  #myPuts = 0;
  /** Producer: `Gets` as last read (a lower bound). */
  #gets = 0;
  /** Producer: `HeadPos` as last read (a lower bound). */
  #head = 0;
  /** Consumer: `Gets` as this thread last wrote or checked it. */
  #myGets = 0;
  /** Consumer: `Puts` as last read (a lower bound, at least `Gets`). */
  #puts = 0;
  /** Consumer: whether the last value taken is still bytes to decode (not decoded in place). */
  #raw = false;
  /** The encoded size of the last item this thread put or took by value (for tracing). */
  lastSize = 0;

  /** A new, empty queue core. */
  static create(tag: string, maxsize: number): FifoCore {
    const { block, putLock, getLock } = FifoMemory.allocate(tag, maxsize);
    return new FifoCore(tag, block, putLock, getLock);
  }

  /** The core described by `fields`, received from another thread. */
  static open(tag: string, fields: FifoCoreFields): FifoCore {
    const { block, putLock, getLock } = FifoMemory.reopen(tag, fields);
    return new FifoCore(tag, block, putLock, getLock);
  }

  // ---- the producer side (holding the put lock) ----

  /**
   * Re-reads the consumers' words when another producer (or a move) changed things since this
   * thread last put: a view older than 2^31 items would otherwise wrap and lie.
   */
  #followPut(): void {
    this.follow();
    const puts = this.i32[FifoWord.Puts]!;
    if (puts !== this.#myPuts || this.stale) {
      this.stale = false;
      this.#myPuts = puts;
      this.#gets = Atomics.load(this.i32, FifoWord.Gets);
      this.#head = Atomics.load(this.control, FifoWord.HeadPos);
    }
  }

  /** Whether the queue holds `maxsize` items, re-reading `Gets` only when the cached view says so. */
  #isFull(): boolean {
    const max = this.control[FifoWord.MaxSize]!;
    if (max === 0 || ((this.#myPuts - this.#gets) | 0) < max) return false;
    this.#gets = Atomics.load(this.i32, FifoWord.Gets);
    return ((this.#myPuts - this.#gets) | 0) >= max;
  }

  /**
   * Writes a record and publishes it; false (nothing written) when the ring has no room, and
   * the caller moves the queue to a larger ring holding both locks.
   */
  #push(bytes: Uint8Array, tasks: boolean): boolean {
    const c = this.control;
    const ring = this.arena;
    const capacity = ring.bytes.length;
    const size = 4 + align(bytes.length);
    let tail = c[FifoWord.TailPos]!;
    let at = tail & (capacity - 1);
    const slack = at + size > capacity ? capacity - at : 0;
    if (slack + size > capacity - ((tail - this.#head) >>> 0)) {
      this.#head = Atomics.load(c, FifoWord.HeadPos);
      if (slack + size > capacity - ((tail - this.#head) >>> 0)) return false;
    }
    if (slack > 0) {
      ring.u32[at >>> 2] = WRAP_MARKER;
      tail = (tail + slack) >>> 0;
      at = 0;
    }
    ring.u32[at >>> 2] = bytes.length;
    copyIn(ring, at + 4, bytes);
    this.#myPuts = this.publishPut(this.#myPuts, (tail + size) >>> 0, tasks);
    return true;
  }

  /**
   * Encodes `value` straight into the ring after the tail, where no consumer reads until
   * `Puts` says so; the encoded length, or -1 (nothing published) when the value takes the
   * codec's general path or may not fit before the end of the ring or the head: the caller
   * encodes and pushes the bytes (which wraps or moves the ring).
   */
  #pushValue(value: unknown, tasks: boolean): number {
    const c = this.control;
    const ring = this.arena;
    const capacity = ring.bytes.length;
    const tail = c[FifoWord.TailPos]!;
    const at = tail & (capacity - 1);
    // Positions are 4-aligned (records are padded), so `end` is too and a padded record fits.
    let end = at + Math.min(capacity - at, capacity - ((tail - this.#head) >>> 0));
    let n = encodeInto(value, ring.bytes, at + 4, end);
    if (n < 0 && end < capacity) {
      this.#head = Atomics.load(c, FifoWord.HeadPos);
      const fresh = at + Math.min(capacity - at, capacity - ((tail - this.#head) >>> 0));
      if (fresh === end) return -1;
      end = fresh;
      n = encodeInto(value, ring.bytes, at + 4, end);
    }
    if (n < 0) return -1;
    ring.u32[at >>> 2] = n;
    this.#myPuts = this.publishPut(this.#myPuts, (tail + 4 + align(n)) >>> 0, tasks);
    return n;
  }

  /**
   * Moves the queue to a larger ring, then pushes `bytes` there; holding both locks, of which it
   * releases the get lock (taken by the caller, each in its own way).
   */
  #growAndPush(bytes: Uint8Array, tasks: boolean): void {
    try {
      this.move(4 + align(bytes.length));
      this.#head = 0;
    } finally {
      this.getLock.release();
    }
    this.#push(bytes, tasks);
  }

  /** Whether a waiting producer should look again: room, or shut down. */
  #roomOrEnd(): boolean {
    const max = this.control[FifoWord.MaxSize]!;
    return this.isShutDown() || this.count() < max;
  }

  putSync(bytes: Uint8Array, _key: Uint8Array | undefined, deadline: number, tasks = true): void {
    const lock = this.putLock;
    if (!lockSync(lock, deadline)) throw new FullError(PUT_BUSY);
    let held = true;
    try {
      for (let spun = false; ; ) {
        if (this.isShutDown()) throw new ShutDownError(PUT_SHUT);
        this.#followPut();
        if (!this.#isFull()) break;
        if (remaining(deadline) === 0) throw new FullError(PUT_FULL);
        lock.release();
        held = false;
        if (!spun) {
          spun = true;
          for (let i = 0; i < SPINS && !this.#roomOrEnd(); i++);
        } else {
          const key = this.room.prepare();
          if (!this.#roomOrEnd()) this.room.waitSync(key, deadline);
        }
        if (!lockSync(lock, deadline)) throw new FullError(PUT_FULL);
        held = true;
      }
      if (!this.#push(bytes, tasks)) {
        if (!lockSync(this.getLock, deadline)) throw new FullError(PUT_BUSY);
        this.#growAndPush(bytes, tasks);
      }
    } finally {
      if (held) lock.release();
    }
    this.items.notify();
  }

  /**
   * Puts `value` with the codec writing it straight into the ring (no scratch copy), when the
   * queue is open, has room and the encoding surely fits before the end of the ring; else -1,
   * nothing done, and the caller encodes and puts the bytes (which waits, wraps or grows).
   * @returns The encoded size, or -1.
   */
  putValueNow(value: unknown, _key: Uint8Array | undefined, tasks = true, deadline = Infinity): number {
    if (!lockSync(this.putLock, deadline)) return -1;
    let size = -1;
    try {
      if (!this.isShutDown()) {
        this.#followPut();
        if (!this.#isFull()) size = this.#pushValue(value, tasks);
      }
    } finally {
      this.putLock.release();
    }
    if (size >= 0) this.items.notify();
    return size;
  }

  /** Puts at once when the locks are free and there is room; false when the caller must wait. */
  tryPut(bytes: Uint8Array, _key: Uint8Array | undefined, tasks = true): boolean {
    if (!tryLock(this.putLock)) return false;
    try {
      if (this.isShutDown()) throw new ShutDownError(PUT_SHUT);
      this.#followPut();
      if (this.#isFull()) return false;
      if (!this.#push(bytes, tasks)) {
        if (!tryLock(this.getLock)) return false;
        this.#growAndPush(bytes, tasks);
      }
    } finally {
      this.putLock.release();
    }
    this.items.notify();
    return true;
  }

  async put(bytes: Uint8Array, _key: Uint8Array | undefined, deadline: number, signal: AbortSignal | undefined, tasks = true): Promise<void> {
    const lock = this.putLock;
    if (!(await lockAsync(lock, deadline, signal))) throw new FullError(PUT_BUSY);
    let held = true;
    try {
      for (;;) {
        if (this.isShutDown()) throw new ShutDownError(PUT_SHUT);
        this.#followPut();
        if (!this.#isFull()) break;
        if (remaining(deadline) === 0) throw new FullError(PUT_FULL);
        lock.release();
        held = false;
        const key = this.room.prepare();
        if (!this.#roomOrEnd()) await this.room.wait(key, deadline, signal);
        if (!(await lockAsync(lock, deadline, signal))) throw new FullError(PUT_FULL);
        held = true;
      }
      if (!this.#push(bytes, tasks)) {
        // Never block this thread on the get lock: an async get here may hold it across a turn.
        if (!(await lockAsync(this.getLock, deadline))) throw new FullError(PUT_BUSY);
        this.#growAndPush(bytes, tasks);
      }
    } finally {
      if (held) lock.release();
    }
    this.items.notify();
  }

  // ---- the consumer side (holding the get lock) ----

  /** Whether an item is there, re-reading `Puts` only when the cached view says empty. */
  #hasItem(): boolean {
    const gets = this.i32[FifoWord.Gets]!;
    if (gets === this.#myGets && this.#puts !== gets) return true;
    this.#myGets = gets;
    this.#puts = Atomics.load(this.i32, FifoWord.Puts);
    return this.#puts !== gets;
  }

  /**
   * Takes the next record (there is one), handed over `as` asked, and frees its bytes. Bytes in
   * the scratch must be decoded before anything else runs on this thread; a value the codec
   * cannot decode in place comes as scratch bytes, with `#raw` set.
   */
  #popRecord(as: Pop): unknown {
    const c = this.control;
    const ring = this.arena;
    const capacity = ring.bytes.length;
    let head = c[FifoWord.HeadPos]!;
    let at = head & (capacity - 1);
    let length = ring.u32[at >>> 2]!;
    if (length === WRAP_MARKER) {
      head = (head + capacity - at) >>> 0;
      at = 0;
      length = ring.u32[0]!;
    }
    let out: unknown;
    if (as === Pop.Value) {
      out = decodeAt(ring.bytes, at + 4, length);
      if (out === UNDECODED) {
        out = copyOut(ring, at + 4, length, false);
        this.#raw = true;
      }
      this.lastSize = length;
    } else out = copyOut(ring, at + 4, length, as === Pop.Kept);
    const gets = (this.#myGets + 1) | 0;
    this.publishGet(gets, (head + 4 + align(length)) >>> 0);
    this.#myGets = gets;
    return out;
  }

  /**
   * Takes an item, handed over `as` asked, if there is one (holding the get lock); else throws
   * if none will come or the deadline passed, or gives {@link NOTHING}.
   */
  #take(deadline: number, as: Pop): unknown {
    this.follow();
    if (this.#hasItem()) return this.#popRecord(as);
    this.#checkEnded();
    if (remaining(deadline) === 0) throw new EmptyError('get: the queue is empty');
    return NOTHING;
  }

  /**
   * Throws when an empty queue will get nothing more: it is shut down, or (a pipe channel) its
   * reading end was closed while a `recv` waited.
   */
  #checkEnded(): void {
    if (this.isShutDown()) throw new ShutDownError('get: the queue is shut down and empty');
    if (this.isClosed(Word.ReaderClosed)) throw new StateError('Connection.recv: this end of the pipe was closed');
  }

  /** Whether a waiting consumer should look again: an item, or the end. */
  #itemOrEnd(): boolean {
    return this.count() > 0 || this.isShutDown() || this.isClosed(Word.ReaderClosed);
  }

  /**
   * Takes the next item, waiting until `deadline`, decoded: fast-path encodings are decoded in
   * place, without the scratch copy; its encoded size is left in `lastSize`.
   */
  getValueSync(deadline: number): unknown {
    const lock = this.getLock;
    for (let spun = false; ; ) {
      if (!lockSync(lock, deadline)) throw new EmptyError(GET_BUSY);
      let value: unknown;
      try {
        value = this.#take(deadline, Pop.Value);
      } finally {
        lock.release();
      }
      if (value !== NOTHING) {
        this.room.notify();
        if (!this.#raw) return value;
        // Decoded outside the lock (it may revive @conc objects, or throw), before anything else runs here.
        this.#raw = false;
        return decode(value as Uint8Array);
      }
      if (!spun) {
        spun = true;
        for (let i = 0; i < SPINS && !this.#itemOrEnd(); i++);
        continue;
      }
      const key = this.items.prepare();
      if (!this.#itemOrEnd()) this.items.waitSync(key, deadline);
    }
  }

  /** Takes an item at once when the get lock is free; `undefined` when the caller must wait. */
  tryGet(): Uint8Array | undefined {
    if (!tryLock(this.getLock)) return undefined;
    let taken: unknown;
    try {
      taken = this.#take(Infinity, Pop.Scratch);
    } finally {
      this.getLock.release();
    }
    if (taken === NOTHING) return undefined;
    this.room.notify();
    return taken as Uint8Array;
  }

  async get(deadline: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const lock = this.getLock;
    for (;;) {
      // Leaving on abort needs no hand-over: every sleeper was woken with this one and re-checks.
      if (!(await lockAsync(lock, deadline, signal))) throw new EmptyError(GET_BUSY);
      let taken: unknown;
      try {
        // Kept: the caller decodes after an await, when other gets may have run on this thread.
        taken = this.#take(deadline, Pop.Kept);
      } finally {
        lock.release();
      }
      if (taken !== NOTHING) {
        this.room.notify();
        return taken as Uint8Array;
      }
      const key = this.items.prepare();
      if (!this.#itemOrEnd()) await this.items.wait(key, deadline, signal);
    }
  }

  /** Waits until an item is there or the queue is shut down; false at the deadline. */
  async readable(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    settle(this.putLock);
    for (;;) {
      if (this.count() > 0 || this.isShutDown()) return true;
      if (this.isClosed(Word.ReaderClosed)) throw new StateError('Connection.poll: this end of the pipe was closed');
      if (remaining(deadline) === 0) return false;
      const key = this.items.prepare();
      if (!this.#itemOrEnd()) await this.items.wait(key, deadline, signal);
    }
  }
}
