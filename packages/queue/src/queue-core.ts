import { EmptyError, FullError, ShutDownError, StateError } from '@conc/core';
import { decode, remaining } from '@conc/core/internal';
import { Word, type StoreKind } from './layout.js';
import { QueueMemory, type QueueCoreFields } from './queue-memory.js';

export type { QueueCoreFields } from './queue-memory.js';

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
 * CPython's `queue.Queue` builds it: every operation under the one lock, waiting on the
 * conditions over it, on the memory and with the dead-holder recovery of {@link QueueMemory}.
 * Works on bytes; the classes encode and decode.
 * @internal
 */
export class QueueCore extends QueueMemory {
  /** A new, empty queue core: a stack (`StoreKind.Lifo`) or a heap (`StoreKind.Priority`). */
  static create(tag: string, kind: StoreKind, maxsize: number): QueueCore {
    const { block, lock } = QueueMemory.allocate(tag, kind, maxsize);
    return new QueueCore(tag, block, lock);
  }

  /** The core described by `fields`, received from another thread. */
  static open(tag: string, fields: QueueCoreFields): QueueCore {
    const { block, lock } = QueueMemory.reopen(tag, fields);
    return new QueueCore(tag, block, lock);
  }

  #isFull(): boolean {
    const max = this.control[Word.MaxSize]!;
    return max > 0 && this.i32[Word.Count]! >= max;
  }

  // ---- put ----

  /** Stores an item; the lock is held. */
  #push(bytes: Uint8Array, key: Uint8Array | undefined, tasks: boolean): void {
    this.follow();
    this.store.push(bytes, key);
    Atomics.store(this.i32, Word.Count, this.i32[Word.Count]! + 1);
    if (tasks) this.control[Word.Unfinished]!++;
    this.notEmpty.notify();
  }

  putSync(bytes: Uint8Array, key: Uint8Array | undefined, deadline: number, tasks = true): void {
    if (!this.acquire(deadline)) throw new FullError('put: timed out waiting for the queue');
    let held = true;
    try {
      if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
      let spun = false;
      while (this.#isFull()) {
        const left = remaining(deadline);
        if (left === 0) throw new FullError('put: the queue is full');
        if (!spun) {
          spun = true;
          this.unlock();
          held = false;
          this.#spinForRoom();
          held = this.relock(deadline);
        } else held = this.notFull.waitSync(deadline, this.relock);
        if (!held) throw new FullError('put: the queue is full');
        if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
      }
      this.#push(bytes, key, tasks);
    } finally {
      if (held) this.unlock();
    }
  }

  /** Never puts (the FIFO engine's in-place put): this engine takes encoded bytes. @returns -1. */
  putValueNow(_value: unknown, _key: Uint8Array | undefined, _tasks = true): number {
    return -1;
  }

  /** Puts at once when the lock is free and there is room; false when the caller must wait. */
  tryPut(bytes: Uint8Array, key: Uint8Array | undefined, tasks = true): boolean {
    if (!this.tryAcquire()) return false;
    try {
      if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
      if (this.#isFull()) return false;
      this.#push(bytes, key, tasks);
      return true;
    } finally {
      this.unlock();
    }
  }

  async put(bytes: Uint8Array, key: Uint8Array | undefined, deadline: number, signal: AbortSignal | undefined, tasks = true): Promise<void> {
    if (!(await this.acquireAsync(deadline, signal))) throw new FullError('put: timed out waiting for the queue');
    let held = true;
    try {
      if (this.isShutDown()) throw new ShutDownError('put: the queue is shut down');
      while (this.#isFull()) {
        const left = remaining(deadline);
        if (left === 0) throw new FullError('put: the queue is full');
        try {
          held = await this.notFull.wait(deadline, signal, this.relockAsync);
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
      if (held) this.unlock();
    }
  }

  // ---- get ----

  /**
   * Takes the next item; the lock is held and the queue is not empty. Without `keep`, the bytes
   * may sit in this thread's scratch buffer: decode them before anything else runs here.
   */
  #pop(keep: boolean): Uint8Array {
    this.follow();
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
    if (!this.acquire(deadline)) throw new EmptyError('get: timed out waiting for the queue');
    let held = true;
    try {
      for (;;) {
        if (this.i32[Word.Count]! > 0) return this.#pop(false);
        this.#checkEnded();
        const left = remaining(deadline);
        if (left === 0) throw new EmptyError('get: the queue is empty');
        if (!spun) {
          spun = true;
          this.unlock();
          held = false;
          this.#spinForItem();
          held = this.relock(deadline);
        } else held = this.notEmpty.waitSync(deadline, this.relock);
        if (!held) throw new EmptyError('get: the queue is empty');
      }
    } finally {
      if (held) this.unlock();
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
    if (!this.tryAcquire()) return undefined;
    try {
      if (this.i32[Word.Count]! > 0) return this.#pop(false);
      this.#checkEnded();
      return undefined;
    } finally {
      this.unlock();
    }
  }

  async get(deadline: number, signal: AbortSignal | undefined): Promise<Uint8Array> {
    if (!(await this.acquireAsync(deadline, signal))) throw new EmptyError('get: timed out waiting for the queue');
    let held = true;
    try {
      for (;;) {
        // Kept: the caller decodes after an await, when other gets may have run on this thread.
        if (this.i32[Word.Count]! > 0) return this.#pop(true);
        this.#checkEnded();
        const left = remaining(deadline);
        if (left === 0) throw new EmptyError('get: the queue is empty');
        try {
          held = await this.notEmpty.wait(deadline, signal, this.relockAsync);
          if (!held) throw new EmptyError('get: the queue is empty');
        } catch (error) {
          if (!held) throw error;
          // An abort may have absorbed a notification meant for a consumer: pass it on.
          if (this.i32[Word.Count]! > 0) this.notEmpty.notify();
          throw error;
        }
      }
    } finally {
      if (held) this.unlock();
    }
  }

  // ---- tasks and shutdown ----

  taskDone(): void {
    this.acquire();
    try {
      const unfinished = this.control[Word.Unfinished]!;
      if (unfinished === 0) throw new StateError('taskDone: called more times than there were items put (Python: task_done() called too many times)');
      this.control[Word.Unfinished] = unfinished - 1;
      if (unfinished === 1) this.allTasksDone.notifyAll();
    } finally {
      this.unlock();
    }
  }

  unfinished(): number {
    return this.control[Word.Unfinished]!;
  }

  joinSync(deadline: number): boolean {
    if (!this.acquire(deadline)) return false;
    let held = true;
    try {
      while (this.control[Word.Unfinished]! > 0) {
        const left = remaining(deadline);
        if (left === 0) return false;
        held = this.allTasksDone.waitSync(deadline, this.relock);
        if (!held) return false;
      }
      return true;
    } finally {
      if (held) this.unlock();
    }
  }

  async join(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (!(await this.acquireAsync(deadline, signal))) return false;
    let held = true;
    try {
      while (this.control[Word.Unfinished]! > 0) {
        const left = remaining(deadline);
        if (left === 0) return false;
        held = await this.allTasksDone.wait(deadline, signal, this.relockAsync);
        if (!held) return false;
      }
      return true;
    } finally {
      if (held) this.unlock();
    }
  }

  shutdown(immediate: boolean): void {
    this.acquire();
    try {
      Atomics.store(this.i32, Word.ShutDown, 1);
      if (immediate) {
        const dropped = this.i32[Word.Count]!;
        this.follow();
        this.store.clear();
        Atomics.store(this.i32, Word.Count, 0);
        this.control[Word.Unfinished] = Math.max(0, this.control[Word.Unfinished]! - dropped);
        this.allTasksDone.notifyAll();
      }
      this.notEmpty.notifyAll();
      this.notFull.notifyAll();
    } finally {
      this.unlock();
    }
  }
}
