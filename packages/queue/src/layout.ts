/**
 * The words of a queue's control block (after the core's header). All of them are read and
 * written under the queue's lock, except `COUNT` (and the closed flags of a pipe channel),
 * which are also read without it by `qsize()`, `empty()`, `full()` and spinning waiters, so
 * they are always written with `Atomics.store`.
 * @internal
 */
export const enum Word {
  /** The first word after the core's header (`HEADER_WORDS`, checked by the tests). */
  Store = 2,
  MaxSize = 3,
  Count = 4,
  Unfinished = 5,
  ShutDown = 6,
  ReaderClosed = 7,
  WriterClosed = 8,
  /** Stack and heap: the top of the used bytes. */
  Tail = 10,
  /** Heap: the live bytes. */
  Used = 11,
  /** Heap: entries in the heap index. */
  HeapLength = 13,
  /** Heap: the insertion counter that makes equal priorities first-in first-out. */
  SeqLow = 14,
  SeqHigh = 15,
  /** Where the item arena is in the shared heap (byte offset and length). */
  ArenaOffset = 16,
  ArenaBytes = 17,
  /** Where a priority queue's heap index is (byte offset and length). */
  IndexOffset = 18,
  IndexBytes = 19,
  /**
   * The undo journal (see `QueueMemory`): 1 once the words below hold a copy of the words an
   * operation may change, taken each time the lock is taken; the record a pop is removing from
   * a heap; a compaction of the heap's arena under way (1, and where it stands).
   */
  Journaled = 80,
  /** The copies of `JOURNALED_WORDS`, in order. */
  JournalFirst = 81,
  Popping = 92,
  Compacting = 93,
  CompactFrom = 94,
  CompactTo = 95,
  CompactTop = 96,
  /** The conditions' sequence words (each followed by its waiter count), a cache line apart. */
  NotEmpty = 32,
  NotFull = 48,
  AllTasksDone = 64,
  /** Words in a control block. */
  Size = 112,
}

/** The words of a `QueueMemory` that its undo journal copies. @internal */
export const JOURNALED_WORDS: readonly number[] = [
  Word.Count, Word.Unfinished, Word.Tail, Word.Used, Word.HeapLength, Word.SeqLow, Word.SeqHigh,
  Word.ArenaOffset, Word.ArenaBytes, Word.IndexOffset, Word.IndexBytes,
];

/** How a queue orders its items. @internal */
export const enum StoreKind {
  Fifo = 1,
  Lifo = 2,
  Priority = 3,
}

/** Bytes of a control block. @internal */
export const CONTROL_BYTES = Word.Size * 4;

/**
 * The words of a first-in first-out queue's control block (`FifoMemory`), laid out so that
 * producers and consumers write disjoint 64-byte lines: line 0 is read-mostly (set up once,
 * changed only by shutdown, close and arena moves); `Puts`/`TailPos` are written only by
 * producers, `Gets`/`HeadPos` only by consumers; each wait word sits on a line of its own, so a
 * side that only checks "does anyone wait?" keeps reading a line nobody writes.
 * The flags keep `Word`'s numbers: a pipe's `Connection` names them the same way for both.
 * @internal
 */
export const enum FifoWord {
  MaxSize = Word.MaxSize,
  ShutDown = Word.ShutDown,
  ReaderClosed = Word.ReaderClosed,
  WriterClosed = Word.WriterClosed,
  /** Where the ring is in the shared heap (byte offset and length, a power of two). */
  ArenaOffset = 9,
  ArenaBytes = 10,
  /**
   * 1 while a move to a larger ring is under way (holding both locks), with the ring and
   * positions as they were before it: a thread that takes a lock over from a holder that died
   * mid-move puts them back (the old ring is never written by a move).
   */
  Moving = 11,
  MoveOffset = 12,
  MoveBytes = 13,
  MoveHead = 14,
  MoveTail = 15,
  /** Items put so far (wraps at 2^32): the word consumers sleep on. */
  Puts = 16,
  /** Byte position of the next record, counted since the ring started (wraps at 2^32). */
  TailPos = 17,
  /**
   * The put journal, written before a put publishes (see `FifoMemory.publishPut`): 1 while
   * publishing, the `Puts` and `TailPos` it publishes, and 1 once it counted the item in `Unfinished`.
   */
  PutPending = 18,
  PutPuts = 19,
  PutTail = 20,
  PutCounted = 21,
  /** Items taken so far (wraps at 2^32): `Puts - Gets` is the queue's size. */
  Gets = 32,
  /** Byte position of the oldest record, counted like `TailPos`. */
  HeadPos = 33,
  /** The get journal: 1 while a get publishes, and the `Gets` and `HeadPos` it publishes. */
  GetPending = 34,
  GetGets = 35,
  GetHead = 36,
  /** What consumers sleep on, waiting for an item (an `EventCount`). */
  ItemEvent = 48,
  /** What producers sleep on, waiting for room (an `EventCount`). */
  RoomEvent = 64,
  /** Items put and not yet marked done (`taskDone`); `join` sleeps on it. */
  Unfinished = 80,
  /** Threads sleeping in `join`. */
  JoinWaiters = 81,
  /** Words in a control block. */
  Size = 96,
}

/** Bytes of a first-in first-out control block. @internal */
export const FIFO_CONTROL_BYTES = FifoWord.Size * 4;
