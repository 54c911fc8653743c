import type { TargetDescriptor } from '@conc/core/internal';
import type { Unit } from './unit.js';

/**
 * The seam between a pool's public face and what runs its tasks.
 *
 * The face (`Pool`, and the executors) checks arguments, makes `AsyncResult`s, cuts maps into
 * chunks, keeps `imap`'s window and order, and runs callbacks. It hands the engine
 * {@link Unit}s: one `apply` call or one map chunk each. The engine runs them somewhere (local
 * worker threads or processes, or jobs on a Redis queue served by other machines) and settles
 * each with `unit.finish(failed, result)`.
 *
 * The life of a unit, as both sides see it:
 * - `submit(unit)`: the unit is `'queued'`, in the engine's hands, not started.
 * - The engine calls `unit.start()` when it hands the unit to a worker (`'sent'`): from then
 *   on it counts as running (an executor's `Future.running()`), and can no longer be cancelled.
 * - Cancelling is settling: the face calls `unit.finish(true, reason)` on a queued unit (an
 *   aborted signal, a failed `map`, an `imap` left early); the engine skips units that are
 *   `'done'` when their turn comes and never runs them.
 * - Every settlement, whoever made it, reaches the engine through `settled(unit, wasQueued)`.
 *
 * Exported through `@conc/pool/internal` for engines elsewhere (`@conc/redis`).
 */
export interface PoolEngine {
  /** How many workers this engine runs locally (sizes the default chunks and `imap`'s window). */
  readonly processes: number;
  /** The default chunksize of a `map` of `length` items. */
  defaultChunksize(length: number): number;
  /**
   * Makes a value ready to cross to this engine's workers; throws `DataCloneError` naming
   * `path` for a value that cannot. `shared` says whether it holds @conc objects to revive.
   */
  prepare(value: unknown, path: string): Prepared;
  /** Takes a queued unit to run; the engine settles it with `unit.finish()`, exactly once. */
  submit(unit: Unit): void;
  /** A unit given to `submit` has settled; `wasQueued` when it had not started. */
  settled(unit: Unit, wasQueued: boolean): void;
  /**
   * No more work will come and none is left: stop the workers.
   * @returns A promise that resolves once every worker has exited.
   */
  close(): Promise<void>;
  /**
   * Stop now: settle every unit in hand with `error` and end every worker at once.
   * @returns A promise that resolves once every worker has exited.
   */
  terminate(error: Error): Promise<void>;
}

/** What an engine asks of the face that owns it. */
export interface EngineHost {
  /** The pool's id, for trace events. */
  readonly id: number;
  /** The descriptor of a target id found in `unit.fnId`. */
  target(id: number): EngineTarget;
  /**
   * Whether work may still come or is unfinished (the pool is open, or has unfinished tasks
   * or iterators): while it is, the engine replaces workers that exit.
   */
  wantsWorkers(): boolean;
  /** The engine cannot run tasks any more (an initializer failed): the face fails everything with `error`. */
  broken(error: Error): void;
}

/**
 * A target as an engine gets it. A module given as a relative path (`'./tasks.js'`) is resolved
 * against this process's working directory, and keeps the path as given in `specifier`, for
 * an engine whose workers resolve it against theirs.
 */
export type EngineTarget = TargetDescriptor & { specifier?: string };

/** A value made ready to cross. */
export interface Prepared {
  value: unknown;
  shared: boolean;
}

/** The pool options every engine gets, already checked. */
export interface EngineOptions {
  /** Local workers (>= 1 for the local engine; a backend may accept 0: submit only). */
  processes: number;
  kind: 'thread' | 'process';
  initializer: TargetDescriptor | undefined;
  /** The initializer's arguments, not yet prepared (the engine prepares them for its workers). */
  initargs: unknown[];
  /** Tasks per worker before it is replaced; `Infinity` for never. */
  maxtasksperchild: number;
}

/**
 * Something that runs a pool elsewhere: `new Pool({ backend })` asks it for the engine. An
 * `@conc/redis` `RedisBackend` is one; `@conc/pool` knows only this interface.
 *
 * @example
 * ```ts
 * import type { PoolBackend } from '@conc/pool';
 * const isBackend = (value: unknown): value is PoolBackend =>
 *   typeof (value as PoolBackend | null)?.createPoolEngine === 'function';
 * console.log(isBackend({})); // false
 * ```
 */
export interface PoolBackend {
  /**
   * Makes the engine of one pool.
   * @param host - The pool's side of the seam.
   * @param options - The common options, checked.
   * @param extra - The pool's options as given, for the backend's own (`name`, `retries`, ...),
   *   which it checks.
   */
  createPoolEngine(host: EngineHost, options: EngineOptions, extra: Readonly<Record<string, unknown>>): PoolEngine;
}
