import type { WaitOptions } from '@conc/core';
import { registerKind, toDescriptor, typeName, type SharedBlock, type SharedDescriptor } from '@conc/core/internal';
import { checkElement, elementAccess, elementType, smallInts, type ElementAccess, type ElementType, type ValueOf, type ValueType } from './element-type.js';
import { lockDescriptor, requireLock, resolveLock, reviveLock, type LockOption } from './guarded.js';
import type { Lock } from './lock.js';
import { blockFields, reviveOver, takeBlock } from './revival.js';
import type { RLock } from './rlock.js';
import { runWith } from './scoped.js';

const KIND = '@conc/sync:Value';
/** Data starts after the two header words, 8-byte aligned for the 64-bit types. */
const DATA = 8;

/** Options of {@link Value} and {@link SharedArray}. */
export interface SharedOptions {
  /** `true` (default): a new `RLock`; `false`: no lock; or the `Lock`/`RLock` to use. */
  lock?: LockOption;
}

/**
 * A number in shared memory: Python's `multiprocessing.Value`. Every thread that receives it
 * reads and writes the same number.
 *
 * Each read and each write of `value` is one atomic operation (floats too), so it never tears.
 * A read-modify-write such as `v.value -= 1` is two operations: hold the lock around it
 * (`await v.with(() => { v.value -= 1; })`), as in Python.
 *
 * @example
 * ```ts
 * import { Value } from '@conc/sync';
 * const counter = new Value('i', 10);
 * await counter.with(() => {
 *   counter.value -= 1;
 * });
 * console.log(counter.value); // 9
 * const big = new Value('q', 2n ** 40n);
 * console.log(big.value); // 1099511627776n
 * ```
 */
export class Value<T extends ValueType = ValueType> {
  /** @internal */
  readonly _block: SharedBlock;
  private readonly _type: ElementType;
  private readonly _access: ElementAccess;
  private readonly _lock: Lock | RLock | undefined;
  // The integer types up to 32 bits, read (atomically) and written straight through their typed
  // array: the tutorial's `counter.value += 1` under a lock costs about what a plain Int32Array
  // access does (an atomic store is a full fence on x86, and BigInt range checks allocate).
  private readonly _ints: Int32Array | undefined;
  private readonly _lo: number;
  private readonly _hi: number;

  /**
   * Creates a shared number.
   * @param type - The element type: `'i8' 'u8' 'i16' 'u16' 'i32' 'u32' 'i64' 'u64' 'f32' 'f64'`
   *   or a Python typecode (`'b' 'B' 'h' 'H' 'i' 'I' 'q' 'Q' 'f' 'd'`).
   * @param initial - The initial value (default 0); a bigint or a safe integer for the 64-bit types.
   * @param options - `{ lock }`: `true` (a new `RLock`, the default), `false` or a `Lock`/`RLock`.
   * @throws TypeError for an unknown type, a bad lock option or a value of the wrong kind;
   *   RangeError for an integer out of the type's range.
   */
  constructor(type: T, initial: ValueOf<T> | number = 0, options: SharedOptions = {}) {
    const resolved = elementType(type, 'Value');
    const { block, fresh } = takeBlock(KIND, DATA + 8);
    if (typeof options !== 'object' || options === null) throw new TypeError(`Value: options must be { lock? }, got ${typeName(options)}`);
    this._block = block;
    this._type = resolved;
    this._access = elementAccess(resolved, block.buffer, block.byteOffset + DATA, 1);
    const ints = smallInts(resolved, block.buffer, block.byteOffset + DATA, 1);
    this._ints = ints?.view;
    this._lo = ints?.lo ?? 0;
    this._hi = ints?.hi ?? 0;
    if (fresh) this._access.set(0, checkElement(resolved, initial, 'Value: initial'));
    this._lock = resolveLock(options.lock, 'Value');
  }

  /** The number, read atomically; setting it writes atomically. */
  get value(): ValueOf<T> {
    const ints = this._ints;
    return (ints ? Atomics.load(ints, 0) : this._access.get(0)) as ValueOf<T>;
  }

  /**
   * Writes the number atomically.
   * @throws TypeError for a value of the wrong kind; RangeError for an integer out of range.
   */
  set value(value: ValueOf<T> | number) {
    const ints = this._ints;
    // An aligned typed-array store never tears (the JS memory model's "no tear" accesses), and
    // needs no fence of its own: the lock's release (or any atomic operation after it) orders it.
    if (ints && typeof value === 'number' && value >= this._lo && value <= this._hi && Math.floor(value) === value) ints[0] = value;
    else this._access.set(0, checkElement(this._type, value, 'Value.value'));
  }

  /**
   * @returns The lock guarding this value.
   * @throws StateError when it was made with `{ lock: false }`.
   */
  getLock(): Lock | RLock {
    return requireLock(this._lock, 'Value.getLock');
  }

  /**
   * Holds the value's lock while `fn` runs (Python's `with v.get_lock():`).
   * @param fn - The work to do; may be async.
   * @param opts - How long to wait for the lock.
   * @returns A promise of what `fn` returned.
   * @throws (rejects) StateError without a lock; TimeoutError when the lock did not come in time.
   */
  async with<R>(fn: () => R | Promise<R>, opts?: number | WaitOptions): Promise<R> {
    return runWith(requireLock(this._lock, 'Value.with'), 'Value', fn, opts);
  }

  /** @internal */
  [toDescriptor](): SharedDescriptor {
    return { kind: KIND, ...blockFields(this._block), type: this._type.name, lock: lockDescriptor(this._lock) };
  }
}

registerKind(KIND, {
  revive: (descriptor) => {
    const lock = reviveLock(descriptor['lock']);
    return reviveOver(KIND, descriptor, () => new Value(descriptor['type'] as ValueType, 0, { lock }));
  },
  syncMethods: ['getLock'],
});
