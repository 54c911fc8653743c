import { allocateBlock, openBlock, reviveDescriptor, type BlockDescriptor, type SharedBlock, type SharedDescriptor } from '@conc/core/internal';
import { Lock } from '@conc/sync';
import { allocateArena, viewArena, type Arena } from './arena.js';
import { HeapStore } from './heap-store.js';
import { CONTROL_BYTES, JOURNALED_WORDS, StoreKind, Word } from './layout.js';
import { describeLock, lockAsync, lockSync, ownLock, settle } from './queue-lock.js';
import { StackStore } from './stack-store.js';
import { SequenceCondition } from './sequence-condition.js';
import type { Store, StoreMemory } from './store.js';

/** The cloneable form of a {@link QueueMemory}. @internal */
export interface QueueCoreFields {
  control: BlockDescriptor;
  lock: SharedDescriptor;
}

/**
 * The shared memory of a queue with one lock (`LifoQueue`, `PriorityQueue`; `QueueCore` runs
 * CPython's algorithm on it): the control words, a store of encoded items in a shared arena,
 * the mutex (a @conc/sync `Lock`) and three conditions over it (`notEmpty`, `notFull`,
 * `allTasksDone`; see `SequenceCondition` for why not @conc/sync's).
 *
 * A thread may die holding the lock, at any instruction (ATOMICS.md, "When a party dies"). So
 * each time the lock is taken, the words an operation may change are copied to an undo journal
 * (`#journal`); the thread that takes the lock over from a dead holder puts them back and has
 * the store rebuild what they index (`#repair`): the dead thread's operation did not happen.
 * Items are written only above the journaled top and arenas move by copying, so what the
 * journal describes is still there. Whoever holds the lock took it through this class, so it
 * is always journaled.
 * @internal
 */
export class QueueMemory implements StoreMemory {
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

  protected constructor(tag: string, block: SharedBlock, lock: Lock) {
    this.block = block;
    this.i32 = block.i32;
    this.control = new Uint32Array(block.buffer, block.byteOffset, block.byteLength >>> 2);
    this.lock = lock;
    this.notEmpty = new SequenceCondition(this.i32, Word.NotEmpty, this.unlock);
    this.notFull = new SequenceCondition(this.i32, Word.NotFull, this.unlock);
    this.allTasksDone = new SequenceCondition(this.i32, Word.AllTasksDone, this.unlock);
    const c = this.control;
    this.arena = viewArena(block.buffer, c[Word.ArenaOffset]!, c[Word.ArenaBytes]!);
    this.index = c[Word.IndexBytes] ? viewArena(block.buffer, c[Word.IndexOffset]!, c[Word.IndexBytes]!) : undefined;
    const kind = c[Word.Store] as StoreKind;
    this.store = kind === StoreKind.Lifo ? new StackStore(this) : new HeapStore(this);
    ownLock(lock, tag.slice(tag.lastIndexOf(':') + 1), this.id, () => this.#repair());
  }

  /** The memory of a new, empty queue: a stack (`StoreKind.Lifo`) or a heap (`StoreKind.Priority`), and its lock. */
  protected static allocate(tag: string, kind: StoreKind, maxsize: number): { block: SharedBlock; lock: Lock } {
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
    return { block, lock: new Lock() };
  }

  /** The memory described by `fields`, received from another thread. */
  protected static reopen(tag: string, fields: QueueCoreFields): { block: SharedBlock; lock: Lock } {
    return { block: openBlock(tag, fields.control), lock: reviveDescriptor(fields.lock) as Lock };
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
  protected follow(): void {
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
  protected acquire(deadline = Infinity): boolean {
    if (!lockSync(this.lock, deadline)) return false;
    this.#journal();
    return true;
  }

  protected async acquireAsync(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (!(await lockAsync(this.lock, deadline, signal))) return false;
    this.#journal();
    return true;
  }

  /** Takes the lock, and journals, only if it is free at once. */
  protected tryAcquire(): boolean {
    if (!this.lock.acquireSync(0)) return false;
    this.#journal();
    return true;
  }

  /** Takes the lock back after a wait, by the operation's deadline (plus the lock's slack). */
  protected readonly relock = (deadline: number): boolean => this.acquire(deadline);

  protected readonly relockAsync = (deadline: number): Promise<boolean> => this.acquireAsync(deadline, undefined);

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
    this.follow();
    this.store.finish();
    if (c[Word.Journaled] === 0) return;
    for (let k = 0; k < JOURNALED_WORDS.length; k++) {
      const word = JOURNALED_WORDS[k]!;
      if (word !== Word.Count) c[word] = c[Word.JournalFirst + k]!;
    }
    this.follow();
    this.store.rebuild();
    const count = c[Word.Store] === StoreKind.Priority ? c[Word.HeapLength]! : c[Word.JournalFirst + JOURNALED_WORDS.indexOf(Word.Count)]!;
    Atomics.store(this.i32, Word.Count, count);
    // Waiters may have slept through what the dead thread's notifications were to say.
    this.notEmpty.notifyAll();
    this.notFull.notifyAll();
    this.allTasksDone.notifyAll();
  }

  /** Releases the lock, then wakes whom the conditions were notified for while it was held. */
  protected readonly unlock = (): void => {
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
}
