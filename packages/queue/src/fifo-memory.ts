import { StateError } from '@conc/core';
import {
  allocateBlock,
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
import { align, allocateRing, MAX_RING_BYTES, viewArena, type Arena } from './arena.js';
import { EventCount } from './event-count.js';
import { FIFO_CONTROL_BYTES, FifoWord, StoreKind, Word } from './layout.js';
import { describeLock, lockSync, ownLock, settle } from './queue-lock.js';

/** The cloneable form of a {@link FifoMemory}. @internal */
export interface FifoCoreFields {
  control: BlockDescriptor;
  putLock: SharedDescriptor;
  getLock: SharedDescriptor;
}

/** A record length that means "the records go on at the start of the ring". @internal */
export const WRAP_MARKER = 0xffffffff;
/** Bytes a ring starts with. */
const FIRST_RING_BYTES = 16 * 1024;

/**
 * The shared memory of a first-in first-out queue (`FifoCore` runs the two-lock put and get on
 * it): the control words, a byte ring of records, the put and get locks and the two
 * {@link EventCount}s (items, room) sleepers wait on; and what changes it besides a put or a
 * get: the count of unfinished tasks (`join` sleeps on it), shutdown, a pipe channel's close.
 *
 * Records are `[u32 length][bytes, padded to 4]` at positions counted since the ring started;
 * the ring's length is a power of two, so a position's offset survives the 2^32 wrap. A
 * record that does not fit before the end leaves a wrap marker and goes on at offset 0.
 * A record with no room at all moves the queue to a ring at least twice as large, holding both
 * locks (always put lock, then get lock): memory stays bounded by about twice the most held.
 *
 * A thread may die holding either lock, at any instruction (ATOMICS.md, "When a party dies").
 * What it leaves is repaired by the thread that takes the lock over (see `#repairPut`,
 * `#repairGet`): a put or get publishes through a journal of what it is about to write
 * (`publishPut`, `publishGet`), so a half-published one is completed or undone, and a move
 * keeps the old ring intact until it is done.
 * @internal
 */
export class FifoMemory {
  readonly block: SharedBlock;
  readonly i32: Int32Array;
  readonly control: Uint32Array;
  arena: Arena;
  readonly putLock: Lock;
  readonly getLock: Lock;
  protected readonly items: EventCount;
  protected readonly room: EventCount;
  /**
   * Producer: whether this thread's views of the consumers' words must be re-read whatever
   * `Puts` says (a new instance, a moved ring, a repaired put).
   */
  protected stale = true;

  protected constructor(tag: string, block: SharedBlock, putLock: Lock, getLock: Lock) {
    this.block = block;
    this.i32 = block.i32;
    this.control = new Uint32Array(block.buffer, block.byteOffset, block.byteLength >>> 2);
    this.putLock = putLock;
    this.getLock = getLock;
    this.items = new EventCount(this.i32, FifoWord.ItemEvent);
    this.room = new EventCount(this.i32, FifoWord.RoomEvent);
    this.arena = viewArena(block.buffer, this.control[FifoWord.ArenaOffset]!, this.control[FifoWord.ArenaBytes]!);
    const kind = tag.slice(tag.lastIndexOf(':') + 1);
    ownLock(putLock, kind, this.id, () => this.#repairPut());
    ownLock(getLock, kind, this.id, () => this.#repairGet());
  }

  /** The memory of a new, empty queue, and its locks. */
  protected static allocate(tag: string, maxsize: number): { block: SharedBlock; putLock: Lock; getLock: Lock } {
    const block = allocateBlock(tag, FIFO_CONTROL_BYTES);
    const control = new Uint32Array(block.buffer, block.byteOffset, block.byteLength >>> 2);
    control[Word.Store] = StoreKind.Fifo;
    control[FifoWord.MaxSize] = maxsize;
    const ring = allocateRing(FIRST_RING_BYTES);
    control[FifoWord.ArenaOffset] = ring.offset;
    control[FifoWord.ArenaBytes] = ring.bytes.length;
    return { block, putLock: new Lock(), getLock: new Lock() };
  }

  /** The memory described by `fields`, received from another thread. */
  protected static reopen(tag: string, fields: FifoCoreFields): { block: SharedBlock; putLock: Lock; getLock: Lock } {
    return {
      block: openBlock(tag, fields.control),
      putLock: reviveDescriptor(fields.putLock) as Lock,
      getLock: reviveDescriptor(fields.getLock) as Lock,
    };
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
   * both). A move restarts the positions, so the producer's views go too.
   */
  protected follow(): void {
    const c = this.control;
    const arena = this.arena;
    if (c[FifoWord.ArenaOffset] !== arena.offset || c[FifoWord.ArenaBytes] !== arena.bytes.length) {
      this.arena = viewArena(this.block.buffer, c[FifoWord.ArenaOffset]!, c[FifoWord.ArenaBytes]!);
      this.stale = true;
    }
  }

  /**
   * Holding the put lock: moves the tail to `tail`, past a written record, and publishes it, one
   * more than `before` puts; returns the new count. Journaled first: the tail is the commit (a
   * thread taking the lock over from one that died here completes a put whose tail moved and
   * undoes one whose tail did not). No call or loop lies between the journal's writes and the
   * ones they describe, so a `terminate()` cannot fall between them.
   */
  protected publishPut(before: number, tail: number, tasks: boolean): number {
    const c = this.control;
    const puts = (before + 1) | 0;
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
    return puts;
  }

  /**
   * Holding the get lock: moves the head to `head`, past the records taken, and publishes
   * `gets` items taken in all. The head moves before `Gets`: a producer that sees the new count
   * never sees the old room. Journaled first, the head being the commit (see `#repairGet`).
   */
  protected publishGet(gets: number, head: number): void {
    const c = this.control;
    c[FifoWord.GetGets] = gets;
    c[FifoWord.GetHead] = head;
    c[FifoWord.GetPending] = 1;
    Atomics.store(c, FifoWord.HeadPos, head);
    Atomics.store(this.i32, FifoWord.Gets, gets);
    c[FifoWord.GetPending] = 0;
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
        this.items.notify();
      } else if (c[FifoWord.PutCounted] !== 0) this.#uncount(1);
      c[FifoWord.PutPending] = 0;
    }
    this.stale = true;
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
        this.room.notify();
      }
      c[FifoWord.GetPending] = 0;
    }
  }

  /**
   * Moves the records, in order, to the start of a ring with room for `size` more bytes; holding
   * both locks. The old ring stays as it was until the new one is published (see `#repairGet`).
   */
  protected move(size: number): void {
    this.follow();
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
  }

  // ---- tasks, shutdown and close ----

  /**
   * Takes `n` items off `Unfinished` (never below 0), waking `join` when it reaches 0; false
   * when it was 0 already.
   */
  #uncount(n: number): boolean {
    const i32 = this.i32;
    for (;;) {
      const unfinished = Atomics.load(i32, FifoWord.Unfinished);
      if (unfinished === 0) return false;
      const left = Math.max(0, unfinished - n);
      if (Atomics.compareExchange(i32, FifoWord.Unfinished, unfinished, left) !== unfinished) continue;
      if (left === 0) wake(i32, FifoWord.Unfinished, Infinity, FifoWord.JoinWaiters);
      return true;
    }
  }

  taskDone(): void {
    if (!this.#uncount(1)) throw new StateError('taskDone: called more times than there were items put (Python: task_done() called too many times)');
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
    this.items.notify();
    this.room.notify();
  }

  /** Drops every item and counts them as done; holding both locks. */
  #drop(): void {
    const i32 = this.i32;
    const puts = i32[FifoWord.Puts]!;
    const dropped = (puts - i32[FifoWord.Gets]!) | 0;
    this.publishGet(puts, this.control[FifoWord.TailPos]!);
    this.#uncount(dropped);
    wake(i32, FifoWord.Unfinished, Infinity, FifoWord.JoinWaiters);
  }

  /** Sets a pipe channel's closed flag (`Word.ReaderClosed` or `Word.WriterClosed`) and wakes everyone. */
  close(flag: Word.ReaderClosed | Word.WriterClosed): void {
    Atomics.store(this.i32, flag, 1);
    this.items.notify();
    this.room.notify();
  }
}
