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
  /** The value of `key`, or `dflt` (`undefined`) when missing. */
  get(key: K, dflt?: V): Promise<V | undefined> {
    return this._call('get', dflt === undefined ? [key] : [key, dflt]) as Promise<V | undefined>;
  }
  /** Sets `key` to `value`. */
  set(key: K, value: V): Promise<void> {
    return this._call('set', [key, value]) as Promise<void>;
  }
  /** Whether `key` is in the dict (Python's `in`). */
  has(key: K): Promise<boolean> {
    return this._call('has', [key]) as Promise<boolean>;
  }
  /** Removes `key`; resolves whether it was there (Python's `del` raises instead). */
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
  /** Sets every key of a plain object, a `Map` or an array of `[key, value]` pairs. */
  async update(entries: Record<string, V> | Map<K, V> | Iterable<readonly [K, V]>): Promise<void> {
    await this._call('update', [entriesArgument(entries, 'DictProxy.update')]);
  }
  /** Removes `key` and resolves its value; a missing key without a default is a `RangeError`. */
  pop(key: K, ...dflt: [] | [V]): Promise<V> {
    return this._call('pop', [key, ...dflt]) as Promise<V>;
  }
  /** The value of `key`, setting it to `value` first when missing. */
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
  /** The item at `index` (negative counts from the end). */
  get(index: number): Promise<T> {
    return this._call('get', [index]) as Promise<T>;
  }
  /** Replaces the item at `index`. */
  set(index: number, value: T): Promise<void> {
    return this._call('set', [index, value]) as Promise<void>;
  }
  /** Adds `value` at the end. */
  append(value: T): Promise<void> {
    return this._call('append', [value]) as Promise<void>;
  }
  /** Adds every value of an iterable at the end. */
  async extend(values: Iterable<T>): Promise<void> {
    if (typeof values !== 'object' || values === null || !(Symbol.iterator in values)) throw new TypeError(`ListProxy.extend: values must be an iterable, got ${typeName(values)}`);
    await this._call('extend', [Array.isArray(values) ? values : [...values]]);
  }
  /** Inserts `value` before `index` (clamped to the list, as in Python). */
  insert(index: number, value: T): Promise<void> {
    return this._call('insert', [index, value]) as Promise<void>;
  }
  /** Removes and resolves the item at `index` (default the last); empty is a `RangeError`. */
  pop(index?: number): Promise<T> {
    return this._call('pop', index === undefined ? [] : [index]) as Promise<T>;
  }
  /** Removes the first item equal to `value` (deep equality); none is a `RangeError`. */
  remove(value: T): Promise<void> {
    return this._call('remove', [value]) as Promise<void>;
  }
  /** The index of the first item equal to `value`; none is a `RangeError`. */
  index(value: T): Promise<number> {
    return this._call('index', [value]) as Promise<number>;
  }
  /** How many items equal `value`. */
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
  /** The field `name`, `undefined` when missing. */
  get(name: string): Promise<unknown> {
    return this._call('get', [name]);
  }
  /** Sets the field `name`. */
  set(name: string, value: unknown): Promise<void> {
    return this._call('set', [name, value]) as Promise<void>;
  }
  /** Removes the field `name`; resolves whether it was there. */
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
  /** Sets the value. */
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
  /** The element at `index` (negative counts from the end). */
  get(index: number): Promise<T> {
    return this._call('get', [index]) as Promise<T>;
  }
  /** Sets the element at `index`. */
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
