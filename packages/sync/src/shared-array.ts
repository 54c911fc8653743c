import type { WaitOptions } from '@conc/core';
import { registerKind, toDescriptor, typeName, type SharedBlock, type SharedDescriptor } from '@conc/core/internal';
import { checkElement, elementAccess, elementType, type ElementAccess, type ElementType, type ValueOf, type ValueType } from './element-type.js';
import { lockDescriptor, requireLock, resolveLock, reviveLock } from './guarded.js';
import type { Lock } from './lock.js';
import { blockFields, reviveOver, takeBlock } from './revival.js';
import type { RLock } from './rlock.js';
import { runWith } from './scoped.js';
import type { SharedOptions } from './value.js';

const KIND = '@conc/sync:SharedArray';
const DATA = 8;
const MAX_LENGTH = 2 ** 30;

/**
 * A fixed-length array of numbers in shared memory: Python's `multiprocessing.Array`. Every
 * thread that receives it sees the same elements.
 *
 * Each `get`/`set` is one atomic operation; a sequence of them (or `toArray()`, which reads
 * element by element) is consistent only while holding the lock: `await arr.with(() => ...)`.
 * Negative indexes count from the end; indexes out of range are a `RangeError`.
 *
 * @example
 * ```ts
 * import { SharedArray } from '@conc/sync';
 * const arr = new SharedArray('d', [1.5, 2.5, 3.5]);
 * arr.set(-1, 10);
 * console.log(arr.get(0), arr.length, arr.toArray()); // 1.5 3 [ 1.5, 2.5, 10 ]
 * console.log([...new SharedArray('q', 2)]); // [ 0n, 0n ]
 * ```
 */
export class SharedArray<T extends ValueType = ValueType> implements Iterable<ValueOf<T>> {
  /** @internal */
  readonly _block: SharedBlock;
  private readonly _length: number;
  private readonly _type: ElementType;
  private readonly _access: ElementAccess;
  private readonly _lock: Lock | RLock | undefined;

  /**
   * Creates a shared array.
   * @param type - The element type (sized name or Python typecode).
   * @param lengthOrValues - The length (elements start at 0), or the initial values.
   * @param options - `{ lock }`: `true` (a new `RLock`, the default), `false` or a `Lock`/`RLock`.
   * @throws TypeError for an unknown type, a bad lock option or values of the wrong kind;
   *   RangeError for a bad length or an integer out of range.
   */
  constructor(type: T, lengthOrValues: number | Iterable<ValueOf<T> | number>, options: SharedOptions = {}) {
    const resolved = elementType(type, 'SharedArray');
    if (typeof options !== 'object' || options === null) throw new TypeError(`SharedArray: options must be { lock? }, got ${typeName(options)}`);
    let values: unknown[] | undefined;
    let length: number;
    if (typeof lengthOrValues === 'number') {
      if (!Number.isInteger(lengthOrValues) || lengthOrValues < 0 || lengthOrValues > MAX_LENGTH) {
        throw new RangeError(`SharedArray: length must be an integer from 0 to 2^30, got ${lengthOrValues}`);
      }
      length = lengthOrValues;
    } else if (lengthOrValues !== null && typeof lengthOrValues === 'object' && Symbol.iterator in lengthOrValues) {
      values = [...lengthOrValues];
      length = values.length;
    } else {
      throw new TypeError(`SharedArray: lengthOrValues must be a length or an iterable of values, got ${typeName(lengthOrValues)}`);
    }
    const checked = values?.map((v, i) => checkElement(resolved, v, `SharedArray: values[${i}]`));
    const { block, fresh } = takeBlock(KIND, DATA + Math.max(8, length * resolved.bytes));
    this._block = block;
    this._type = resolved;
    this._length = length;
    this._access = elementAccess(resolved, block.buffer, block.byteOffset + DATA, length);
    if (fresh && checked) checked.forEach((v, i) => this._access.set(i, v));
    this._lock = resolveLock(options.lock, 'SharedArray');
  }

  /** The number of elements (a getter on the prototype, so that a process broker sees it). */
  get length(): number {
    return this._length;
  }

  /**
   * @param index - An integer; negative counts from the end.
   * @returns The element, read atomically.
   * @throws RangeError when out of range; TypeError when not an integer.
   */
  get(index: number): ValueOf<T> {
    return this._access.get(this._index(index, 'get')) as ValueOf<T>;
  }

  /**
   * Writes one element atomically.
   * @param index - An integer; negative counts from the end.
   * @param value - A value of the array's type.
   * @throws RangeError when out of range; TypeError for a bad index or value.
   */
  set(index: number, value: ValueOf<T> | number): void {
    const i = this._index(index, 'set');
    this._access.set(i, checkElement(this._type, value, 'SharedArray.set'));
  }

  /** @returns A plain array copy of the elements (read one by one; hold the lock for a snapshot). */
  toArray(): ValueOf<T>[] {
    const out: ValueOf<T>[] = [];
    for (let i = 0; i < this.length; i++) out.push(this._access.get(i) as ValueOf<T>);
    return out;
  }

  /** Iterates over the elements, reading each when reached. */
  *[Symbol.iterator](): Iterator<ValueOf<T>> {
    for (let i = 0; i < this.length; i++) yield this._access.get(i) as ValueOf<T>;
  }

  /**
   * @returns The lock guarding this array.
   * @throws StateError when it was made with `{ lock: false }`.
   */
  getLock(): Lock | RLock {
    return requireLock(this._lock, 'SharedArray.getLock');
  }

  /**
   * Holds the array's lock while `fn` runs.
   * @param fn - The work to do; may be async.
   * @param opts - How long to wait for the lock.
   * @returns A promise of what `fn` returned.
   * @throws (rejects) StateError without a lock; TimeoutError when the lock did not come in time.
   */
  async with<R>(fn: () => R | Promise<R>, opts?: number | WaitOptions): Promise<R> {
    return runWith(requireLock(this._lock, 'SharedArray.with'), 'SharedArray', fn, opts);
  }

  private _index(index: number, what: string): number {
    if (typeof index !== 'number' || !Number.isInteger(index)) throw new TypeError(`SharedArray.${what}: index must be an integer, got ${typeName(index)}`);
    const i = index < 0 ? index + this.length : index;
    if (i < 0 || i >= this.length) throw new RangeError(`SharedArray.${what}: index ${index} out of range for length ${this.length}`);
    return i;
  }

  /** @internal */
  [toDescriptor](): SharedDescriptor {
    return { kind: KIND, ...blockFields(this._block), type: this._type.name, length: this.length, lock: lockDescriptor(this._lock) };
  }
}

registerKind(KIND, {
  revive: (descriptor) => {
    const lock = reviveLock(descriptor['lock']);
    return reviveOver(KIND, descriptor, () => new SharedArray(descriptor['type'] as ValueType, descriptor['length'] as number, { lock }));
  },
  syncMethods: ['get', 'set', 'toArray', 'getLock', 'length'],
});
