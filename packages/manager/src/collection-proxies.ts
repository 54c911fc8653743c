import { typeName } from '@conc/core/internal';
import { BaseProxy, proxyClass } from './proxy.js';

/** A dict key: kept distinct by type, so `1` is not `'1'` (as in Python). */
export type DictKey = string | number | bigint | boolean | null;

/**
 * A proxy of a dict held by the manager (Python's `DictProxy`). Values come back as copies;
 * a proxy stored as a value comes back as a proxy of the same object.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const d = await manager.dict<number>({ a: 1 });
 * await d.set(2, 20);
 * console.log(await d.get('a'), await d.get(2), await d.len()); // 1 20 2
 * ```
 */
export class DictProxy<K extends DictKey = DictKey, V = unknown> extends BaseProxy {
  /**
   * The value of `key`, or `dflt` when the dict has no such key.
   * @param key - The key: a string, number, bigint, boolean or `null` (`1` and `'1'` are different keys).
   * @param dflt - What to resolve when `key` is missing; default `undefined`.
   * @returns A promise of a copy of the value (a proxy stored as the value comes back as a proxy), or `dflt`.
   * @throws (rejects) TypeError for a key of another type.
   */
  get(key: K, dflt?: V): Promise<V | undefined> {
    return this._call('get', dflt === undefined ? [key] : [key, dflt]) as Promise<V | undefined>;
  }
  /**
   * Sets `key` to `value`, replacing any value it had.
   * @param key - The key: a string, number, bigint, boolean or `null`.
   * @param value - Any value that can cross (v8 serialization); it is stored as a copy, except a
   *   proxy, which is stored as a reference to the same server object.
   * @returns A promise that resolves once the value is set.
   * @throws (rejects) TypeError for a key of another type; DataCloneError for a value that cannot cross.
   */
  set(key: K, value: V): Promise<void> {
    return this._call('set', [key, value]) as Promise<void>;
  }
  /**
   * Whether `key` is in the dict (Python's `in`).
   * @param key - The key: a string, number, bigint, boolean or `null`.
   * @returns A promise of `true` when the dict has `key`.
   * @throws (rejects) TypeError for a key of another type.
   */
  has(key: K): Promise<boolean> {
    return this._call('has', [key]) as Promise<boolean>;
  }
  /**
   * Removes `key` (a missing key is no error, unlike Python's `del`).
   * @param key - The key: a string, number, bigint, boolean or `null`.
   * @returns A promise of whether `key` was there.
   * @throws (rejects) TypeError for a key of another type.
   */
  delete(key: K): Promise<boolean> {
    return this._call('delete', [key]) as Promise<boolean>;
  }
  /** The keys, in insertion order. */
  keys(): Promise<K[]> {
    return this._call('keys', []) as Promise<K[]>;
  }
  /** The values, in insertion order. */
  values(): Promise<V[]> {
    return this._call('values', []) as Promise<V[]>;
  }
  /** `[key, value]` pairs, in insertion order. */
  items(): Promise<[K, V][]> {
    return this._call('items', []) as Promise<[K, V][]>;
  }
  /** The number of keys (Python's `len`). */
  len(): Promise<number> {
    return this._call('len', []) as Promise<number>;
  }
  /** Removes every key. */
  clear(): Promise<void> {
    return this._call('clear', []) as Promise<void>;
  }
  /**
   * Sets every entry of `entries`, as Python's `dict.update`. Every key is checked before any is
   * set, so a bad key changes nothing.
   * @param entries - A plain object (its own enumerable string keys), a `Map`, or an iterable
   *   (e.g. an array) of `[key, value]` pairs; keys must be strings, numbers, bigints, booleans or `null`.
   * @returns A promise that resolves once every entry is set.
   * @throws (rejects) TypeError for anything else, for an entry that is not a `[key, value]` pair
   *   or for a key of another type.
   */
  async update(entries: Record<string, V> | Map<K, V> | Iterable<readonly [K, V]>): Promise<void> {
    await this._call('update', [entriesArgument(entries, 'DictProxy.update')]);
  }
  /**
   * Removes `key` and resolves its value; a missing key without a default is a `RangeError`.
   * @param key - The key: a string, number, bigint, boolean or `null`.
   * @param dflt - Optional: what to resolve when `key` is missing (also when it is `undefined`:
   *   only leaving it out makes a missing key an error).
   * @returns A promise of the removed value, or `dflt`.
   * @throws (rejects) RangeError when `key` is missing and no `dflt` was given; TypeError for a key of another type.
   */
  pop(key: K, ...dflt: [] | [V]): Promise<V> {
    return this._call('pop', [key, ...dflt]) as Promise<V>;
  }
  /**
   * The value of `key`, setting it to `value` first when missing (Python's `setdefault`).
   * @param key - The key: a string, number, bigint, boolean or `null`.
   * @param value - The value to store when `key` is missing (ignored when it is there).
   * @returns A promise of the value `key` has afterwards: the existing one, or `value`.
   * @throws (rejects) TypeError for a key of another type; DataCloneError for a value that cannot cross.
   */
  setdefault(key: K, value: V): Promise<V> {
    return this._call('setdefault', [key, value]) as Promise<V>;
  }
  /** A copy of the whole dict as a `Map`. */
  copy(): Promise<Map<K, V>> {
    return this._call('copy', []) as Promise<Map<K, V>>;
  }
}

function entriesArgument(entries: unknown, what: string): unknown {
  if (entries instanceof Map || Array.isArray(entries)) return entries;
  if (typeof entries === 'object' && entries !== null) {
    if (Symbol.iterator in entries) return [...(entries as Iterable<unknown>)];
    return entries;
  }
  throw new TypeError(`${what}: expected a plain object, a Map or an iterable of [key, value] pairs, got ${typeName(entries)}`);
}

/**
 * A proxy of a list held by the manager (Python's `ListProxy`). Indexes may be negative
 * (from the end); out of range is a `RangeError`.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const l = await manager.list([1, 2]);
 * await l.append(3);
 * console.log(await l.get(-1), await l.copy()); // 3 [ 1, 2, 3 ]
 * ```
 */
export class ListProxy<T = unknown> extends BaseProxy {
  /**
   * The item at `index`.
   * @param index - An integer; negative counts from the end (`-1` is the last item).
   * @returns A promise of a copy of the item (a proxy item comes back as a proxy).
   * @throws (rejects) TypeError for an index that is not an integer; RangeError when it is out of range.
   */
  get(index: number): Promise<T> {
    return this._call('get', [index]) as Promise<T>;
  }
  /**
   * Replaces the item at `index`.
   * @param index - An integer; negative counts from the end. It must name an existing item (a
   *   list does not grow by `set`).
   * @param value - Any value that can cross; a proxy is stored as a reference.
   * @returns A promise that resolves once the item is replaced.
   * @throws (rejects) TypeError for an index that is not an integer; RangeError when it is out of range.
   */
  set(index: number, value: T): Promise<void> {
    return this._call('set', [index, value]) as Promise<void>;
  }
  /**
   * Adds `value` at the end.
   * @param value - Any value that can cross; a proxy is stored as a reference.
   * @returns A promise that resolves once the value is added.
   * @throws (rejects) DataCloneError for a value that cannot cross.
   */
  append(value: T): Promise<void> {
    return this._call('append', [value]) as Promise<void>;
  }
  /**
   * Adds every value of an iterable at the end, in order.
   * @param values - An iterable (an array, a `Set`, a generator...): it is read here, in the
   *   caller, and sent as one array.
   * @returns A promise that resolves once every value is added.
   * @throws (rejects) TypeError when `values` is not an iterable.
   */
  async extend(values: Iterable<T>): Promise<void> {
    if (typeof values !== 'object' || values === null || !(Symbol.iterator in values)) throw new TypeError(`ListProxy.extend: values must be an iterable, got ${typeName(values)}`);
    await this._call('extend', [Array.isArray(values) ? values : [...values]]);
  }
  /**
   * Inserts `value` before `index`.
   * @param index - An integer; negative counts from the end. Out of range is no error: it is
   *   clamped to the list, as in Python (a large index appends, a very negative one prepends).
   * @param value - Any value that can cross; a proxy is stored as a reference.
   * @returns A promise that resolves once the value is inserted.
   * @throws (rejects) TypeError for an index that is not an integer.
   */
  insert(index: number, value: T): Promise<void> {
    return this._call('insert', [index, value]) as Promise<void>;
  }
  /**
   * Removes and resolves the item at `index`; empty is a `RangeError`.
   * @param index - An integer; negative counts from the end. Default `-1`: the last item.
   * @returns A promise of the removed item.
   * @throws (rejects) RangeError when the list is empty or `index` is out of range; TypeError
   *   for an index that is not an integer.
   */
  pop(index?: number): Promise<T> {
    return this._call('pop', index === undefined ? [] : [index]) as Promise<T>;
  }
  /**
   * Removes the first item equal to `value`; none is a `RangeError`.
   * @param value - The value to look for, compared by deep strict equality (`isDeepStrictEqual`),
   *   so a copy of an object item matches it.
   * @returns A promise that resolves once the item is removed.
   * @throws (rejects) RangeError when no item is equal to `value`.
   */
  remove(value: T): Promise<void> {
    return this._call('remove', [value]) as Promise<void>;
  }
  /**
   * The index of the first item equal to `value`; none is a `RangeError`.
   * @param value - The value to look for, compared by deep strict equality (`isDeepStrictEqual`).
   * @returns A promise of the index (from 0).
   * @throws (rejects) RangeError when no item is equal to `value`.
   */
  index(value: T): Promise<number> {
    return this._call('index', [value]) as Promise<number>;
  }
  /**
   * How many items equal `value`.
   * @param value - The value to count, compared by deep strict equality (`isDeepStrictEqual`).
   * @returns A promise of the count (0 when there is none).
   */
  count(value: T): Promise<number> {
    return this._call('count', [value]) as Promise<number>;
  }
  /** The number of items. */
  len(): Promise<number> {
    return this._call('len', []) as Promise<number>;
  }
  /** A copy of the whole list as an array. */
  copy(): Promise<T[]> {
    return this._call('copy', []) as Promise<T[]>;
  }
}

/**
 * A proxy of a namespace held by the manager (Python's `Namespace`): named fields.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const ns = await manager.namespace({ x: 1 });
 * await ns.set('y', 'two');
 * console.log(await ns.copy()); // { x: 1, y: 'two' }
 * ```
 */
export class NamespaceProxy extends BaseProxy {
  /**
   * The field `name`.
   * @param name - The field's name: a string.
   * @returns A promise of a copy of the field's value, `undefined` when there is no such field.
   * @throws (rejects) TypeError when `name` is not a string.
   */
  get(name: string): Promise<unknown> {
    return this._call('get', [name]);
  }
  /**
   * Sets the field `name`, adding it when missing.
   * @param name - The field's name: a string.
   * @param value - Any value that can cross; a proxy is stored as a reference.
   * @returns A promise that resolves once the field is set.
   * @throws (rejects) TypeError when `name` is not a string; DataCloneError for a value that cannot cross.
   */
  set(name: string, value: unknown): Promise<void> {
    return this._call('set', [name, value]) as Promise<void>;
  }
  /**
   * Removes the field `name` (a missing field is no error).
   * @param name - The field's name: a string.
   * @returns A promise of whether the field was there.
   * @throws (rejects) TypeError when `name` is not a string.
   */
  delete(name: string): Promise<boolean> {
    return this._call('delete', [name]) as Promise<boolean>;
  }
  /** A copy of every field as a plain object. */
  copy(): Promise<Record<string, unknown>> {
    return this._call('copy', []) as Promise<Record<string, unknown>>;
  }
}

/**
 * A proxy of one typed number held by the manager (Python's `manager.Value`). Values are
 * stored as the type says (an `'i32'` wraps, a `'u8'` truncates); 64-bit types take `bigint`.
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const v = await manager.value('i32', 7);
 * await v.set(8);
 * console.log(await v.get()); // 8
 * ```
 */
export class ValueProxy<T extends number | bigint = number> extends BaseProxy {
  /** The value. */
  get(): Promise<T> {
    return this._call('get', []) as Promise<T>;
  }
  /**
   * Sets the value, stored as the proxy's type says (an integer type wraps or truncates, as a
   * typed array does).
   * @param value - A number, or a `bigint` for the 64-bit integer types (`'i64'`/`'u64'`/`'q'`/`'Q'`).
   * @returns A promise that resolves once the value is set.
   * @throws (rejects) TypeError for a value of the wrong kind (a number for a 64-bit type, a bigint for another).
   */
  set(value: T): Promise<void> {
    return this._call('set', [value]) as Promise<void>;
  }
}

/**
 * A proxy of a typed array held by the manager (Python's `manager.Array`).
 *
 * @example
 * ```ts
 * import { Manager } from '@conc/manager';
 * await using manager = await Manager.start();
 * const a = await manager.array('f64', [1.5, 2.5]);
 * await a.set(-1, 3);
 * console.log(await a.toArray(), await a.len()); // [ 1.5, 3 ] 2
 * ```
 */
export class ArrayProxy<T extends number | bigint = number> extends BaseProxy {
  /**
   * The element at `index`.
   * @param index - An integer; negative counts from the end (`-1` is the last element).
   * @returns A promise of the element (a `bigint` for the 64-bit integer types).
   * @throws (rejects) TypeError for an index that is not an integer; RangeError when it is out of range.
   */
  get(index: number): Promise<T> {
    return this._call('get', [index]) as Promise<T>;
  }
  /**
   * Sets the element at `index`, stored as the array's type says (an integer type wraps or truncates).
   * @param index - An integer; negative counts from the end. The length is fixed: it must name an existing element.
   * @param value - A number, or a `bigint` for the 64-bit integer types.
   * @returns A promise that resolves once the element is set.
   * @throws (rejects) TypeError for an index that is not an integer or a value of the wrong kind;
   *   RangeError when the index is out of range.
   */
  set(index: number, value: T): Promise<void> {
    return this._call('set', [index, value]) as Promise<void>;
  }
  /** The length. */
  len(): Promise<number> {
    return this._call('len', []) as Promise<number>;
  }
  /** A copy of every element. */
  toArray(): Promise<T[]> {
    return this._call('toArray', []) as Promise<T[]>;
  }
}

proxyClass('dict', DictProxy);
proxyClass('list', ListProxy);
proxyClass('namespace', NamespaceProxy);
proxyClass('value', ValueProxy);
proxyClass('array', ArrayProxy);
