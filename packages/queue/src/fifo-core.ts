import { EmptyError, FullError, ShutDownError, StateError } from '@conc/core';
import {
  allocateBlock,
  decode,
  decodeAt,
  encodeInto,
  UNDECODED,
  openBlock,
  remaining,
  reviveDescriptor,
  wake,
  waitAsync,
  waitSync,
  type BlockDescriptor,
  type SharedBlock,
  type SharedDescriptor,
} from '@conc/core/internal';
import { Lock } from '@conc/sync';
import { align, allocateRing, copyIn, copyOut, MAX_RING_BYTES, viewArena, type Arena } from './arena.js';
import { EventCount } from './event-count.js';
import { describeLock, lockAsync, lockSync, ownLock, settle, tryLock } from './queue-lock.js';
import { FIFO_CONTROL_BYTES, FifoWord, StoreKind, Word } from './layout.js';

/** The cloneable form of a {@link FifoCore}. @internal */
export interface FifoCoreFields {
  control: BlockDescriptor;
  putLock: SharedDescriptor;
  getLock: SharedDescriptor;
}

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
/** A record length that means "the records go on at the start of the ring". */
const WRAP_MARKER = 0xffffffff;
/** Bytes a ring starts with. */
const FIRST_RING_BYTES = 16 * 1024;
/** Why a put or get gave up before it could even look at the queue. */
const PUT_BUSY = 'put: timed out waiting for the queue';
const GET_BUSY = 'get: timed out waiting for the queue';

/**
 * The engine of the first-in first-out queues (`Queue`, `SimpleQueue`, a pipe's channels): the
 * two-lock queue of Michael and Scott (Java's `LinkedBlockingQueue`) over a byte ring in shared
 * memory. Producers serialise on a put lock, consumers on a get lock, and on the fast path
 * neither side writes a cache line the other writes: producers own `Puts` and the tail
 * position, consumers own `Gets` and the head position, and each side keeps its last view of
 * the other's counter, re-reading it only when that view says empty (consumer) or full
 * (producer). `qsize()` is `Puts - Gets` (approximate, as Python promises).
 *
 * Records are `[u32 length][bytes, padded to 4]` at positions counted since the ring started;
 * the ring's length is a power of two, so a position's offset survives the 2^32 wrap. A
 * record that does not fit before the end leaves a wrap marker and goes on at offset 0.
 * A record with no room at all moves the queue to a ring at least twice as large, holding both
 * locks (always put lock, then get lock): memory stays bounded by about twice the most held.
 *
 * Sleeping goes through {@link EventCount}s (items, room), `join` sleeps on `Unfinished`.
 * Works on bytes; the classes encode and decode.
 *
 * A thread may die holding either lock, at any instruction (ATOMICS.md, "When a party dies").
 * What it leaves is repaired by the thread that takes the lock over (see `#repairPut`,
 * `#repairGet`): a put or get publishes through a journal of what it is about to write, so a
 * half-published one is completed or undone, and a move keeps the old ring intact until it is done.
 * @internal
 */
export class FifoCore {
  readonly block: SharedBlock;
  readonly i32: Int32Array;
  readonly control: Uint32Array;
  arena: Arena;
  readonly putLock: Lock;
  readonly getLock: Lock;
  readonly #items: EventCount;
  readonly #room: EventCount;
  // This thread's views of the other side (each valid while the own counter is as it left it).
  /** Producer: `Puts` as this thread last wrote or checked it. */
  #myPuts = 0;
  /** Producer: whether the views below must be re-read whatever `Puts` says (new instance, moved ring). */
  #stale = true;
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

  private constructor(tag: string, block: SharedBlock, putLock: Lock, getLock: Lock) {
    this.block = block;
    this.i32 = block.i32;
    this.control = new Uint32Array(block.buffer, block.byteOffset, block.byteLength >>> 2);
    this.putLock = putLock;
    this.getLock = getLock;
    this.#items = new EventCount(this.i32, FifoWord.ItemEvent);
    this.#room = new EventCount(this.i32, FifoWord.RoomEvent);
    this.arena = viewArena(block.buffer, this.control[FifoWord.ArenaOffset]!, this.control[FifoWord.ArenaBytes]!);
    const kind = tag.slice(tag.lastIndexOf(':') + 1);
    ownLock(putLock, kind, this.id, () => this.#repairPut());
    ownLock(getLock, kind, this.id, () => this.#repairGet());
  }

  /** A new, empty queue core. */
  static create(tag: string, maxsize: number): FifoCore {
    const block = allocateBlock(tag, FIFO_CONTROL_BYTES);
    const control = new Uint32Array(block.buffer, block.byteOffset, block.byteLength >>> 2);
    control[Word.Store] = StoreKind.Fifo;
    control[FifoWord.MaxSize] = maxsize;
    const ring = allocateRing(FIRST_RING_BYTES);
    control[FifoWord.ArenaOffset] = ring.offset;
    control[FifoWord.ArenaBytes] = ring.bytes.length;
    return new FifoCore(tag, block, new Lock(), new Lock());
  }

  /** The core described by `fields`, received from another thread. */
  static open(tag: string, fields: FifoCoreFields): FifoCore {
    const block = openBlock(tag, fields.control);
    return new FifoCore(tag, block, reviveDescriptor(fields.putLock) as Lock, reviveDescriptor(fields.getLock) as Lock);
  }

  fields(): FifoCoreFields {
    return {
      control: { buffer: this.block.buffer, byteOffset: this.block.byteOffset, byteLength: this.block.byteLength },
      putLock: describeLock(this.putLock),
      getLock: describeLock(this.getLock),
    };
  }

  get id(): number {
    return this.i32[1]!;
  }

  get maxsize(): number {
    return this.control[FifoWord.MaxSize]!;
  }

  /** The size as `qsize()` reports it: exact, after repairing what a dead lock holder left. */
  settledCount(): number {
    settle(this.putLock);
    settle(this.getLock);
    return this.count();
  }

  count(): number {
    // Gets first: Puts read later is at least what it was then, so the difference is never negative.
    const gets = Atomics.load(this.i32, FifoWord.Gets);
    return (Atomics.load(this.i32, FifoWord.Puts) - gets) | 0;
  }

  isShutDown(): boolean {
    return Atomics.load(this.i32, FifoWord.ShutDown) !== 0;
  }

  isClosed(flag: Word.ReaderClosed | Word.WriterClosed): boolean {
    return Atomics.load(this.i32, flag) !== 0;
  }

  /**
   * Follows a move of the ring made by another thread; called holding either lock (a move holds
   * both). A move restarts the positions, so the producer's view of the head goes too.
   */
  #follow(): void {
    const c = this.control;
    const arena = this.arena;
    if (c[FifoWord.ArenaOffset] !== arena.offset || c[FifoWord.ArenaBytes] !== arena.bytes.length) {
      this.arena = viewArena(this.block.buffer, c[FifoWord.ArenaOffset]!, c[FifoWord.ArenaBytes]!);
      this.#stale = true;
    }
  }

  // ---- the producer side (holding the put lock) ----

  /**
   * Re-reads the consumers' words when another producer (or a move) changed things since this
   * thread last put: a view older than 2^31 items would otherwise wrap and lie.
   */
  #followPut(): void {
    this.#follow();
    const puts = this.i32[FifoWord.Puts]!;
    if (puts !== this.#myPuts || this.#stale) {
      this.#stale = false;
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
    this.#publish((tail + size) >>> 0, tasks);
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
    this.#publish((tail + 4 + align(n)) >>> 0, tasks);
    return n;
  }

  /**
   * Moves the tail past a written record and publishes it (one more `Puts`). Journaled first:
   * the tail is the commit (a thread taking the lock over from one that died here completes a
   * put whose tail moved and undoes one whose tail did not). No call or loop lies between the
   * journal's writes and the ones they describe, so a `terminate()` cannot fall between them.
   */
  #publish(tail: number, tasks: boolean): void {
    const c = this.control;
    const puts = (this.#myPuts + 1) | 0;
    c[FifoWord.PutPuts] = puts;
    c[FifoWord.PutTail] = tail;
    c[FifoWord.PutCounted] = 0;
    c[FifoWord.PutPending] = 1;
    // Counted before it is published: a consumer may take it and call taskDone at once.
    if (tasks) {
      Atomics.add(this.i32, FifoWord.Unfinished, 1);
      c[FifoWord.PutCounted] = 1;
    }
    c[FifoWord.TailPos] = tail;
    Atomics.store(this.i32, FifoWord.Puts, puts);
    c[FifoWord.PutPending] = 0;
    this.#myPuts = puts;
  }

  /**
   * Holding the put lock, taken over from a producer that died holding it: puts back a ring
   * move it left half-done (through the get lock, whose repair does it), then completes or
   * undoes the put it was publishing.
   */
  #repairPut(): void {
    const c = this.control;
    if (c[FifoWord.Moving] !== 0) {
      lockSync(this.getLock);
      this.getLock.release();
    }
    if (c[FifoWord.PutPending] !== 0) {
      if (c[FifoWord.TailPos] === c[FifoWord.PutTail]) {
        Atomics.store(this.i32, FifoWord.Puts, c[FifoWord.PutPuts]! | 0);
        this.#items.notify();
      } else if (c[FifoWord.PutCounted] !== 0) this.#uncount(1);
      c[FifoWord.PutPending] = 0;
    }
    this.#stale = true;
  }

  /**
   * Holding the get lock, taken over from a consumer (or a mover) that died holding it: puts
   * back a half-done ring move, then completes a get whose head moved (its item is gone with
   * the dead consumer, as in Python).
   */
  #repairGet(): void {
    const c = this.control;
    if (c[FifoWord.Moving] !== 0) {
      c[FifoWord.ArenaOffset] = c[FifoWord.MoveOffset]!;
      c[FifoWord.ArenaBytes] = c[FifoWord.MoveBytes]!;
      Atomics.store(c, FifoWord.HeadPos, c[FifoWord.MoveHead]!);
      c[FifoWord.TailPos] = c[FifoWord.MoveTail]!;
      Atomics.store(c, FifoWord.Moving, 0);
    }
    if (c[FifoWord.GetPending] !== 0) {
      if (Atomics.load(c, FifoWord.HeadPos) === c[FifoWord.GetHead]) {
        Atomics.store(this.i32, FifoWord.Gets, c[FifoWord.GetGets]! | 0);
        this.#room.notify();
      }
      c[FifoWord.GetPending] = 0;
    }
  }

  /** Takes `n` items off `Unfinished` (never below 0), waking `join` when it reaches 0. */
  #uncount(n: number): void {
    const i32 = this.i32;
    for (;;) {
      const unfinished = Atomics.load(i32, FifoWord.Unfinished);
      const left = Math.max(0, unfinished - n);
      if (Atomics.compareExchange(i32, FifoWord.Unfinished, unfinished, left) !== unfinished) continue;
      if (left === 0) wake(i32, FifoWord.Unfinished, Infinity, FifoWord.JoinWaiters);
      return;
    }
  }

  /** Moves the records, in order, to the start of a ring with room for `size` more bytes; holding both locks. */
  #move(size: number): void {
    const c = this.control;
    const old = this.arena;
    const capacity = old.bytes.length;
    let head = c[FifoWord.HeadPos]!;
    const tail = c[FifoWord.TailPos]!;
    const fresh = allocateRing(Math.max(Math.min(capacity * 2, MAX_RING_BYTES), ((tail - head) >>> 0) + size));
    c[FifoWord.MoveOffset] = old.offset;
    c[FifoWord.MoveBytes] = capacity;
    c[FifoWord.MoveHead] = head;
    c[FifoWord.MoveTail] = tail;
    Atomics.store(c, FifoWord.Moving, 1);
    let length = 0;
    while (head !== tail) {
      const at = head & (capacity - 1);
      const n = old.u32[at >>> 2]!;
      if (n === WRAP_MARKER) {
        head = (head + capacity - at) >>> 0;
        continue;
      }
      const record = 4 + align(n);
      fresh.bytes.set(old.bytes.subarray(at, at + record), length);
      length += record;
      head = (head + record) >>> 0;
    }
    c[FifoWord.ArenaOffset] = fresh.offset;
    c[FifoWord.ArenaBytes] = fresh.bytes.length;
    Atomics.store(c, FifoWord.HeadPos, 0);
    c[FifoWord.TailPos] = length;
    Atomics.store(c, FifoWord.Moving, 0);
    this.arena = fresh;
    this.#head = 0;
  }

  /** Pushes, moving to a larger ring first when needed; holding the put lock. */
  #pushSync(bytes: Uint8Array, tasks: boolean, deadline: number): void {
    if (this.#push(bytes, tasks)) return;
    if (!lockSync(this.getLock, deadline)) throw new FullError(PUT_BUSY);
    try {
      this.#move(4 + align(bytes.length));
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
        if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
        this.#followPut();
        if (!this.#isFull()) break;
        if (remaining(deadline) === 0) throw new FullError('put: the queue is full');
        lock.release();
        held = false;
        if (!spun) {
          spun = true;
          for (let i = 0; i < SPINS && !this.#roomOrEnd(); i++);
        } else {
          const key = this.#room.prepare();
          if (!this.#roomOrEnd()) this.#room.waitSync(key, deadline);
        }
        if (!lockSync(lock, deadline)) throw new FullError('put: the queue is full');
        held = true;
      }
      this.#pushSync(bytes, tasks, deadline);
    } finally {
      if (held) lock.release();
    }
    this.#items.notify();
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
    if (size >= 0) this.#items.notify();
    return size;
  }

  /** Puts at once when the locks are free and there is room; false when the caller must wait. */
  tryPut(bytes: Uint8Array, _key: Uint8Array | undefined, tasks = true): boolean {
    if (!tryLock(this.putLock)) return false;
    try {
      if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
      this.#followPut();
      if (this.#isFull()) return false;
      if (!this.#push(bytes, tasks)) {
        if (!tryLock(this.getLock)) return false;
        try {
          this.#move(4 + align(bytes.length));
        } finally {
          this.getLock.release();
        }
        this.#push(bytes, tasks);
      }
    } finally {
      this.putLock.release();
    }
    this.#items.notify();
    return true;
  }

  async put(bytes: Uint8Array, _key: Uint8Array | undefined, deadline: number, signal: AbortSignal | undefined, tasks = true): Promise<void> {
    const lock = this.putLock;
    if (!(await lockAsync(lock, deadline, signal))) throw new FullError(PUT_BUSY);
    let held = true;
    try {
      for (;;) {
        if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
        this.#followPut();
        if (!this.#isFull()) break;
        if (remaining(deadline) === 0) throw new FullError('put: the queue is full');
        lock.release();
        held = false;
        const key = this.#room.prepare();
        if (!this.#roomOrEnd()) await this.#room.wait(key, deadline, signal);
        if (!(await lockAsync(lock, deadline, signal))) throw new FullError('put: the queue is full');
        held = true;
      }
      if (!this.#push(bytes, tasks)) {
        // Never block this thread on the get lock: an async get here may hold it across a turn.
        if (!(await lockAsync(this.getLock, deadline))) throw new FullError(PUT_BUSY);
        try {
          this.#follow();
          this.#move(4 + align(bytes.length));
        } finally {
          this.getLock.release();
        }
        this.#push(bytes, tasks);
      }
    } finally {
      if (held) lock.release();
    }
    this.#items.notify();
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
    // The head moves before Gets: a producer that sees the new count never sees the old room.
    // Journaled first, the head being the commit (see `#repairGet`).
    const next = (head + 4 + align(length)) >>> 0;
    const gets = (this.#myGets + 1) | 0;
    c[FifoWord.GetGets] = gets;
    c[FifoWord.GetHead] = next;
    c[FifoWord.GetPending] = 1;
    Atomics.store(c, FifoWord.HeadPos, next);
    Atomics.store(this.i32, FifoWord.Gets, gets);
    c[FifoWord.GetPending] = 0;
    this.#myGets = gets;
    return out;
  }

  /**
   * Takes an item, handed over `as` asked, if there is one (holding the get lock); else throws
   * if none will come or the deadline passed, or gives {@link NOTHING}.
   */
  #take(deadline: number, as: Pop): unknown {
    this.#follow();
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
    if (Atomics.load(this.i32, Word.ReaderClosed) !== 0) throw new StateError('Connection.recv: this end of the pipe was closed');
  }

  /** Whether a waiting consumer should look again: an item, or the end. */
  #itemOrEnd(): boolean {
    return this.count() > 0 || this.isShutDown() || Atomics.load(this.i32, Word.ReaderClosed) !== 0;
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
        this.#room.notify();
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
      const key = this.#items.prepare();
      if (!this.#itemOrEnd()) this.#items.waitSync(key, deadline);
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
    this.#room.notify();
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
        this.#room.notify();
        return taken as Uint8Array;
      }
      const key = this.#items.prepare();
      if (!this.#itemOrEnd()) await this.#items.wait(key, deadline, signal);
    }
  }

  /** Waits until an item is there or the queue is shut down; false at the deadline. */
  async readable(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    settle(this.putLock);
    for (;;) {
      if (this.count() > 0 || this.isShutDown()) return true;
      if (this.isClosed(Word.ReaderClosed)) throw new StateError('Connection.poll: this end of the pipe was closed');
      if (remaining(deadline) === 0) return false;
      const key = this.#items.prepare();
      if (!this.#itemOrEnd()) await this.#items.wait(key, deadline, signal);
    }
  }

  // ---- tasks and shutdown ----

  taskDone(): void {
    const i32 = this.i32;
    for (;;) {
      const unfinished = Atomics.load(i32, FifoWord.Unfinished);
      if (unfinished === 0) throw new StateError('taskDone: called more times than there were items put (Python: task_done() called too many times)');
      if (Atomics.compareExchange(i32, FifoWord.Unfinished, unfinished, unfinished - 1) !== unfinished) continue;
      if (unfinished === 1) wake(i32, FifoWord.Unfinished, Infinity, FifoWord.JoinWaiters);
      return;
    }
  }

  unfinished(): number {
    return Atomics.load(this.i32, FifoWord.Unfinished);
  }

  joinSync(deadline: number): boolean {
    for (;;) {
      const unfinished = Atomics.load(this.i32, FifoWord.Unfinished);
      if (unfinished === 0) return true;
      if (remaining(deadline) === 0) return false;
      // Sleeps on the count itself: any change since the load makes the wait return at once.
      waitSync(this.i32, FifoWord.Unfinished, unfinished, deadline, FifoWord.JoinWaiters);
    }
  }

  async join(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    for (;;) {
      const unfinished = Atomics.load(this.i32, FifoWord.Unfinished);
      if (unfinished === 0) return true;
      if (remaining(deadline) === 0) return false;
      await waitAsync(this.i32, FifoWord.Unfinished, unfinished, deadline, signal, FifoWord.JoinWaiters);
    }
  }

  /** Both locks, in the one order (put, then get), for what changes the whole queue. */
  #lockBoth(): void {
    lockSync(this.putLock);
    lockSync(this.getLock);
  }

  #unlockBoth(): void {
    this.getLock.release();
    this.putLock.release();
  }

  shutdown(immediate: boolean): void {
    this.#lockBoth();
    try {
      Atomics.store(this.i32, FifoWord.ShutDown, 1);
      if (immediate) this.#drop();
    } finally {
      this.#unlockBoth();
    }
    this.#items.notify();
    this.#room.notify();
  }

  /** Drops every item and counts them as done; holding both locks. */
  #drop(): void {
    const i32 = this.i32;
    const c = this.control;
    const puts = i32[FifoWord.Puts]!;
    const dropped = (puts - i32[FifoWord.Gets]!) | 0;
    c[FifoWord.GetGets] = puts;
    c[FifoWord.GetHead] = c[FifoWord.TailPos]!;
    c[FifoWord.GetPending] = 1;
    Atomics.store(c, FifoWord.HeadPos, c[FifoWord.TailPos]!);
    Atomics.store(i32, FifoWord.Gets, puts);
    c[FifoWord.GetPending] = 0;
    this.#uncount(dropped);
    wake(i32, FifoWord.Unfinished, Infinity, FifoWord.JoinWaiters);
  }

  /** Sets a pipe channel's closed flag (`Word.ReaderClosed` or `Word.WriterClosed`) and wakes everyone. */
  close(flag: Word.ReaderClosed | Word.WriterClosed): void {
    Atomics.store(this.i32, flag, 1);
    this.#items.notify();
    this.#room.notify();
  }
}

