import { EmptyError, FullError, ShutDownError, StateError } from '@conc/core';
import {
  allocateBlock,
  decode,
  openBlock,
  remaining,
  reviveDescriptor,
  type BlockDescriptor,
  type SharedBlock,
  type SharedDescriptor,
} from '@conc/core/internal';
import { Lock } from '@conc/sync';
import { allocateArena, viewArena, type Arena } from './arena.js';
import { HeapStore } from './heap-store.js';
import { CONTROL_BYTES, JOURNALED_WORDS, StoreKind, Word } from './layout.js';
import { describeLock, lockAsync, lockSync, ownLock, settle } from './queue-lock.js';
import { StackStore } from './stack-store.js';
import { SequenceCondition } from './sequence-condition.js';
import type { Store, StoreMemory } from './store.js';

/** The cloneable form of a {@link QueueCore}. @internal */
export interface QueueCoreFields {
  control: BlockDescriptor;
  lock: SharedDescriptor;
}

/**
 * Spins before a blocking wait: a producer on another core often delivers within a µs. Kept
 * short: measured on 2 shared cores, 500 spins made a Pipe round trip ~32 µs against ~18 µs
 * with 100 (the spinner takes the core its peer needs), 2000 made it ~100 µs, and none of
 * 100-8000 changed queue throughput beyond the noise; no spin at all lost throughput.
 */
const SPINS = 100;

/**
 * The engine of the queues with one end, `LifoQueue` and `PriorityQueue` (a stack or a heap
 * gains nothing from a lock per end; the first-in first-out queues run on `FifoCore`), as
 * CPython's `queue.Queue` builds it: one mutex (a
 * @conc/sync `Lock`) and three conditions over it (`notEmpty`, `notFull`, `allTasksDone`; see
 * `SequenceCondition` for why not @conc/sync's), around a store of encoded items in a shared
 * arena. Works on bytes; the classes encode and decode.
 *
 * A thread may die holding the lock, at any instruction (ATOMICS.md, "When a party dies"). So
 * each time the lock is taken, the words an operation may change are copied to an undo journal
 * (`#journal`); the thread that takes the lock over from a dead holder puts them back and has
 * the store rebuild what they index (`#repair`): the dead thread's operation did not happen.
 * Items are written only above the journaled top and arenas move by copying, so what the
 * journal describes is still there.
 * @internal
 */
export class QueueCore implements StoreMemory {
  readonly block: SharedBlock;
  readonly i32: Int32Array;
  readonly control: Uint32Array;
  arena: Arena;
  index: Arena | undefined;
  readonly store: Store;
  readonly lock: Lock;
  readonly notEmpty: SequenceCondition;
  readonly notFull: SequenceCondition;
  readonly allTasksDone: SequenceCondition;

  private constructor(tag: string, block: SharedBlock, lock: Lock) {
    this.block = block;
    this.i32 = block.i32;
    this.control = new Uint32Array(block.buffer, block.byteOffset, block.byteLength >>> 2);
    this.lock = lock;
    this.notEmpty = new SequenceCondition(this.i32, Word.NotEmpty, this.#unlock);
    this.notFull = new SequenceCondition(this.i32, Word.NotFull, this.#unlock);
    this.allTasksDone = new SequenceCondition(this.i32, Word.AllTasksDone, this.#unlock);
    const c = this.control;
    this.arena = viewArena(block.buffer, c[Word.ArenaOffset]!, c[Word.ArenaBytes]!);
    this.index = c[Word.IndexBytes] ? viewArena(block.buffer, c[Word.IndexOffset]!, c[Word.IndexBytes]!) : undefined;
    const kind = c[Word.Store] as StoreKind;
    this.store = kind === StoreKind.Lifo ? new StackStore(this) : new HeapStore(this);
    ownLock(lock, tag.slice(tag.lastIndexOf(':') + 1), this.id, () => this.#repair());
  }

  /** A new, empty queue core: a stack (`StoreKind.Lifo`) or a heap (`StoreKind.Priority`). */
  static create(tag: string, kind: StoreKind, maxsize: number): QueueCore {
    const block = allocateBlock(tag, CONTROL_BYTES);
    const control = new Uint32Array(block.buffer, block.byteOffset, block.byteLength >>> 2);
    control[Word.Store] = kind;
    control[Word.MaxSize] = maxsize;
    const arena = allocateArena();
    control[Word.ArenaOffset] = arena.offset;
    control[Word.ArenaBytes] = arena.bytes.length;
    if (kind === StoreKind.Priority) {
      const index = allocateArena(4096);
      control[Word.IndexOffset] = index.offset;
      control[Word.IndexBytes] = index.bytes.length;
    }
    return new QueueCore(tag, block, new Lock());
  }

  /** The core described by `fields`, received from another thread. */
  static open(tag: string, fields: QueueCoreFields): QueueCore {
    const block = openBlock(tag, fields.control);
    return new QueueCore(tag, block, reviveDescriptor(fields.lock) as Lock);
  }

  fields(): QueueCoreFields {
    return {
      control: { buffer: this.block.buffer, byteOffset: this.block.byteOffset, byteLength: this.block.byteLength },
      lock: describeLock(this.lock),
    };
  }

  moveArena(arena: Arena): void {
    this.arena = arena;
    this.control[Word.ArenaOffset] = arena.offset;
    this.control[Word.ArenaBytes] = arena.bytes.length;
  }

  moveIndex(index: Arena): void {
    this.index = index;
    this.control[Word.IndexOffset] = index.offset;
    this.control[Word.IndexBytes] = index.bytes.length;
  }

  /**
   * Follows a move of the arenas made by another thread; called holding the lock. Offset and
   * length are both compared: the views built in the constructor were read without the lock.
   */
  #follow(): void {
    const c = this.control;
    const arena = this.arena;
    if (c[Word.ArenaOffset] !== arena.offset || c[Word.ArenaBytes] !== arena.bytes.length) {
      this.arena = viewArena(this.block.buffer, c[Word.ArenaOffset]!, c[Word.ArenaBytes]!);
    }
    const index = this.index;
    if (index && (c[Word.IndexOffset] !== index.offset || c[Word.IndexBytes] !== index.bytes.length)) {
      this.index = viewArena(this.block.buffer, c[Word.IndexOffset]!, c[Word.IndexBytes]!);
    }
  }

  /**
   * Takes the lock by `deadline` and journals the words an operation may change; false (holding
   * nothing) when the deadline passed first.
   */
  #lockSync(deadline = Infinity): boolean {
    if (!lockSync(this.lock, deadline)) return false;
    this.#journal();
    return true;
  }

  async #lockAsync(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (!(await lockAsync(this.lock, deadline, signal))) return false;
    this.#journal();
    return true;
  }

  /** Takes the lock back after a wait, by the operation's deadline (plus the lock's slack). */
  readonly #relock = (deadline: number): boolean => this.#lockSync(deadline);

  readonly #relockAsync = (deadline: number): Promise<boolean> => this.#lockAsync(deadline, undefined);

  /** Holding the lock: copies the words an operation may change (see the class's notes). */
  #journal(): void {
    const c = this.control;
    c[Word.Journaled] = 0;
    for (let k = 0; k < JOURNALED_WORDS.length; k++) c[Word.JournalFirst + k] = c[JOURNALED_WORDS[k]!]!;
    c[Word.Popping] = 0xffffffff;
    c[Word.Journaled] = 1;
  }

  /** Holding the lock, taken over from a thread that died holding it: undoes its operation. */
  #repair(): void {
    const c = this.control;
    this.#follow();
    this.store.finish();
    if (c[Word.Journaled] === 0) return;
    for (let k = 0; k < JOURNALED_WORDS.length; k++) {
      const word = JOURNALED_WORDS[k]!;
      if (word !== Word.Count) c[word] = c[Word.JournalFirst + k]!;
    }
    this.#follow();
    this.store.rebuild();
    const count = c[Word.Store] === StoreKind.Priority ? c[Word.HeapLength]! : c[Word.JournalFirst + JOURNALED_WORDS.indexOf(Word.Count)]!;
    Atomics.store(this.i32, Word.Count, count);
    // Waiters may have slept through what the dead thread's notifications were to say.
    this.notEmpty.notifyAll();
    this.notFull.notifyAll();
    this.allTasksDone.notifyAll();
  }

  /** Releases the lock, then wakes whom the conditions were notified for while it was held. */
  readonly #unlock = (): void => {
    // Done: a later holder that dies before it journals must not undo this operation.
    this.control[Word.Journaled] = 0;
    this.lock.release();
    this.notEmpty.flush();
    this.notFull.flush();
    this.allTasksDone.flush();
  };

  get id(): number {
    return this.i32[1]!;
  }

  get maxsize(): number {
    return this.control[Word.MaxSize]!;
  }

  /** The size as `qsize()` reports it: exact, after undoing what a dead lock holder left. */
  settledCount(): number {
    settle(this.lock);
    return this.count();
  }

  count(): number {
    return Atomics.load(this.i32, Word.Count);
  }

  isShutDown(): boolean {
    return Atomics.load(this.i32, Word.ShutDown) !== 0;
  }

  #isFull(): boolean {
    const max = this.control[Word.MaxSize]!;
    return max > 0 && this.i32[Word.Count]! >= max;
  }

  // ---- put ----

  /** Stores an item; the lock is held. */
  #push(bytes: Uint8Array, key: Uint8Array | undefined, tasks: boolean): void {
    this.#follow();
    this.store.push(bytes, key);
    Atomics.store(this.i32, Word.Count, this.i32[Word.Count]! + 1);
    if (tasks) this.control[Word.Unfinished]!++;
    this.notEmpty.notify();
  }

  putSync(bytes: Uint8Array, key: Uint8Array | undefined, deadline: number, tasks = true): void {
    if (!this.#lockSync(deadline)) throw new FullError('put: timed out waiting for the queue');
    let held = true;
    try {
      if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
      let spun = false;
      while (this.#isFull()) {
        const left = remaining(deadline);
        if (left === 0) throw new FullError('put: the queue is full');
        if (!spun) {
          spun = true;
          this.#unlock();
          held = false;
          this.#spinForRoom();
          held = this.#relock(deadline);
        } else held = this.notFull.waitSync(deadline, this.#relock);
        if (!held) throw new FullError('put: the queue is full');
        if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
      }
      this.#push(bytes, key, tasks);
    } finally {
      if (held) this.#unlock();
    }
  }

  /** Never puts (the FIFO engine's in-place put): this engine takes encoded bytes. @returns -1. */
  putValueNow(_value: unknown, _key: Uint8Array | undefined, _tasks = true): number {
    return -1;
  }

  /** Puts at once when the lock is free and there is room; false when the caller must wait. */
  tryPut(bytes: Uint8Array, key: Uint8Array | undefined, tasks = true): boolean {
    if (!this.lock.acquireSync(0)) return false;
    this.#journal();
    try {
      if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
      if (this.#isFull()) return false;
      this.#push(bytes, key, tasks);
      return true;
    } finally {
      this.#unlock();
    }
  }

  async put(bytes: Uint8Array, key: Uint8Array | undefined, deadline: number, signal: AbortSignal | undefined, tasks = true): Promise<void> {
    if (!(await this.#lockAsync(deadline, signal))) throw new FullError('put: timed out waiting for the queue');
    let held = true;
    try {
      if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
      while (this.#isFull()) {
        const left = remaining(deadline);
        if (left === 0) throw new FullError('put: the queue is full');
        try {
          held = await this.notFull.wait(deadline, signal, this.#relockAsync);
          if (!held) throw new FullError('put: the queue is full');
        } catch (error) {
          if (!held) throw error;
          // An abort may have absorbed a notification meant for a producer: pass it on.
          if (!this.#isFull()) this.notFull.notify();
          throw error;
        }
        if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
      }
      this.#push(bytes, key, tasks);
    } finally {
      if (held) this.#unlock();
    }
  }

  // ---- get ----

  /**
   * Takes the next item; the lock is held and the queue is not empty. Without `keep`, the bytes
   * may sit in this thread's scratch buffer: decode them before anything else runs here.
   */
  #pop(keep: boolean): Uint8Array {
    this.#follow();
    const bytes = this.store.pop(keep);
    Atomics.store(this.i32, Word.Count, this.i32[Word.Count]! - 1);
    this.notFull.notify();
    return bytes;
  }

  /** Spins briefly, without the lock, for a consumer to make room. */
  #spinForRoom(): void {
    const max = this.control[Word.MaxSize]!;
    for (let i = 0; i < SPINS; i++) {
      if (Atomics.load(this.i32, Word.Count) < max || this.isShutDown()) return;
    }
  }

  /** Throws when an empty queue will get nothing more: it is shut down. */
  #checkEnded(): void {
    if (this.isShutDown()) throw new ShutDownError('get: the queue is shut down and empty');
  }

  /** Spins briefly, without the lock, for an item to arrive; true when one may have. */
  #spinForItem(): boolean {
    for (let i = 0; i < SPINS; i++) {
      if (Atomics.load(this.i32, Word.Count) !== 0 || this.isShutDown()) return true;
    }
    return false;
  }

  getSync(deadline: number): Uint8Array {
    let spun = false;
    // Empty: spin before taking the lock at all, so a producer about to put does not find it held.
    if (Atomics.load(this.i32, Word.Count) === 0 && (deadline === Infinity || remaining(deadline) > 0)) {
      spun = true;
      this.#spinForItem();
    }
    if (!this.#lockSync(deadline)) throw new EmptyError('get: timed out waiting for the queue');
    let held = true;
    try {
      for (;;) {
        if (this.i32[Word.Count]! > 0) return this.#pop(false);
        this.#checkEnded();
        const left = remaining(deadline);
        if (left === 0) throw new EmptyError('get: the queue is empty');
        if (!spun) {
          spun = true;
          this.#unlock();
          held = false;
          this.#spinForItem();
          held = this.#relock(deadline);
        } else held = this.notEmpty.waitSync(deadline, this.#relock);
        if (!held) throw new EmptyError('get: the queue is empty');
      }
    } finally {
      if (held) this.#unlock();
    }
  }

  /** The encoded size of the last item this thread took by value (for tracing). */
  lastSize = 0;

  /** `getSync`, decoded (before anything else runs on this thread, as the bytes may be scratch). */
  getValueSync(deadline: number): unknown {
    const bytes = this.getSync(deadline);
    this.lastSize = bytes.length;
    return decode(bytes);
  }

  /** Takes an item at once when the lock is free; `undefined` when the caller must wait. */
  tryGet(): Uint8Array | undefined {
    if (!this.lock.acquireSync(0)) return undefined;
    this.#journal();
    try {
      if (this.i32[Word.Count]! > 0) return this.#pop(false);
      this.#checkEnded();
      return undefined;
    } finally {
      this.#unlock();
    }
  }

  async get(deadline: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    if (!(await this.#lockAsync(deadline, signal))) throw new EmptyError('get: timed out waiting for the queue');
    let held = true;
    try {
      for (;;) {
        // Kept: the caller decodes after an await, when other gets may have run on this thread.
        if (this.i32[Word.Count]! > 0) return this.#pop(true);
        this.#checkEnded();
        const left = remaining(deadline);
        if (left === 0) throw new EmptyError('get: the queue is empty');
        try {
          held = await this.notEmpty.wait(deadline, signal, this.#relockAsync);
          if (!held) throw new EmptyError('get: the queue is empty');
        } catch (error) {
          if (!held) throw error;
          // An abort may have absorbed a notification meant for a consumer: pass it on.
          if (this.i32[Word.Count]! > 0) this.notEmpty.notify();
          throw error;
        }
      }
    } finally {
      if (held) this.#unlock();
    }
  }

  // ---- tasks and shutdown ----

  taskDone(): void {
    this.#lockSync();
    try {
      const unfinished = this.control[Word.Unfinished]!;
      if (unfinished === 0) throw new StateError('taskDone: called more times than there were items put (Python: task_done() called too many times)');
      this.control[Word.Unfinished] = unfinished - 1;
      if (unfinished === 1) this.allTasksDone.notifyAll();
    } finally {
      this.#unlock();
    }
  }

  unfinished(): number {
    return this.control[Word.Unfinished]!;
  }

  joinSync(deadline: number): boolean {
    if (!this.#lockSync(deadline)) return false;
    let held = true;
    try {
      while (this.control[Word.Unfinished]! > 0) {
        const left = remaining(deadline);
        if (left === 0) return false;
        held = this.allTasksDone.waitSync(deadline, this.#relock);
        if (!held) return false;
      }
      return true;
    } finally {
      if (held) this.#unlock();
    }
  }

  async join(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (!(await this.#lockAsync(deadline, signal))) return false;
    let held = true;
    try {
      while (this.control[Word.Unfinished]! > 0) {
        const left = remaining(deadline);
        if (left === 0) return false;
        held = await this.allTasksDone.wait(deadline, signal, this.#relockAsync);
        if (!held) return false;
      }
      return true;
    } finally {
      if (held) this.#unlock();
    }
  }

  shutdown(immediate: boolean): void {
    this.#lockSync();
    try {
      Atomics.store(this.i32, Word.ShutDown, 1);
      if (immediate) {
        const dropped = this.i32[Word.Count]!;
        this.#follow();
        this.store.clear();
        Atomics.store(this.i32, Word.Count, 0);
        this.control[Word.Unfinished] = Math.max(0, this.control[Word.Unfinished]! - dropped);
        this.allTasksDone.notifyAll();
      }
      this.notEmpty.notifyAll();
      this.notFull.notifyAll();
    } finally {
      this.#unlock();
    }
  }
}
