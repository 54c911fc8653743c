import { isDeepStrictEqual } from 'node:util';
import { checkDictKey as checkKey, dictEntries, elementTypeName, typeName, TYPED_ARRAYS, type DictKey as Key, type ElementTypeName } from '@conc/core/internal';
import { ServerObject, wireIndex } from './server-object.js';
import type { CallContext } from './waiters.js';

/** Python's `dict`, held by the server. @internal */
export class ServerDict extends ServerObject {
  readonly typeid = 'dict';
  protected readonly exposed = new Set(['get', 'set', 'has', 'delete', 'keys', 'values', 'items', 'len', 'clear', 'update', 'pop', 'setdefault', 'copy']);
  private readonly map = new Map<Key, unknown>();

  constructor(init?: unknown) {
    super();
    this.update(undefined, init);
  }

  get(_: CallContext | undefined, key: unknown, ...dflt: unknown[]): unknown {
    const k = checkKey(key, 'dict.get');
    return this.map.has(k) ? this.map.get(k) : dflt[0];
  }
  set(_: CallContext | undefined, key: unknown, value: unknown): void {
    this.map.set(checkKey(key, 'dict.set'), value);
  }
  has(_: CallContext | undefined, key: unknown): boolean {
    return this.map.has(checkKey(key, 'dict.has'));
  }
  delete(_: CallContext | undefined, key: unknown): boolean {
    return this.map.delete(checkKey(key, 'dict.delete'));
  }
  keys(): Key[] {
    return [...this.map.keys()];
  }
  values(): unknown[] {
    return [...this.map.values()];
  }
  items(): [Key, unknown][] {
    return [...this.map];
  }
  len(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
  update(_: CallContext | undefined, init: unknown): void {
    const entries = dictEntries(init, 'dict.update');
    for (const [key] of entries) checkKey(key, 'dict.update');
    for (const [key, value] of entries) this.map.set(key as Key, value);
  }
  pop(_: CallContext | undefined, key: unknown, ...dflt: unknown[]): unknown {
    const k = checkKey(key, 'dict.pop');
    if (this.map.has(k)) {
      const value = this.map.get(k);
      this.map.delete(k);
      return value;
    }
    if (dflt.length > 0) return dflt[0];
    throw new RangeError(`dict.pop: no key ${typeName(k)} in the dict (pass a default to get it back instead)`);
  }
  setdefault(_: CallContext | undefined, key: unknown, value: unknown): unknown {
    const k = checkKey(key, 'dict.setdefault');
    if (this.map.has(k)) return this.map.get(k);
    this.map.set(k, value);
    return value;
  }
  copy(): Map<Key, unknown> {
    return new Map(this.map);
  }
}

/** Python's `list`, held by the server. @internal */
export class ServerList extends ServerObject {
  readonly typeid = 'list';
  protected readonly exposed = new Set(['get', 'set', 'append', 'extend', 'insert', 'pop', 'remove', 'index', 'count', 'len', 'copy']);
  private readonly items: unknown[];

  constructor(init?: unknown) {
    super();
    if (init !== undefined && init !== null && !Array.isArray(init)) throw new TypeError(`list: init must be an array, got ${typeName(init)}`);
    this.items = init ? [...(init as unknown[])] : [];
  }

  get(_: CallContext | undefined, index: unknown): unknown {
    return this.items[wireIndex(index, this.items.length, 'list.get')];
  }
  set(_: CallContext | undefined, index: unknown, value: unknown): void {
    this.items[wireIndex(index, this.items.length, 'list.set')] = value;
  }
  append(_: CallContext | undefined, value: unknown): void {
    this.items.push(value);
  }
  extend(_: CallContext | undefined, values: unknown): void {
    if (!Array.isArray(values)) throw new TypeError(`list.extend: values must be an array or iterable, got ${typeName(values)}`);
    for (const value of values) this.items.push(value);
  }
  insert(_: CallContext | undefined, index: unknown, value: unknown): void {
    if (typeof index !== 'number' || !Number.isInteger(index)) throw new TypeError(`list.insert: index must be an integer, got ${typeName(index)}`);
    // Python clamps insert positions instead of raising.
    const n = this.items.length;
    const at = index < 0 ? Math.max(0, n + index) : Math.min(index, n);
    this.items.splice(at, 0, value);
  }
  pop(_: CallContext | undefined, ...index: unknown[]): unknown {
    if (this.items.length === 0) throw new RangeError('list.pop: pop from empty list');
    const at = wireIndex(index.length > 0 && index[0] !== undefined ? index[0] : -1, this.items.length, 'list.pop');
    return this.items.splice(at, 1)[0];
  }
  remove(_: CallContext | undefined, value: unknown): void {
    const at = this.find(value);
    if (at < 0) throw new RangeError(`list.remove: ${typeName(value)} is not in the list`);
    this.items.splice(at, 1);
  }
  index(_: CallContext | undefined, value: unknown): number {
    const at = this.find(value);
    if (at < 0) throw new RangeError(`list.index: ${typeName(value)} is not in the list`);
    return at;
  }
  count(_: CallContext | undefined, value: unknown): number {
    let n = 0;
    for (const item of this.items) if (item === value || isDeepStrictEqual(item, value)) n++;
    return n;
  }
  len(): number {
    return this.items.length;
  }
  copy(): unknown[] {
    return [...this.items];
  }
  private find(value: unknown): number {
    return this.items.findIndex((item) => item === value || isDeepStrictEqual(item, value));
  }
}

/** Python's `Namespace`, held by the server. @internal */
export class ServerNamespace extends ServerObject {
  readonly typeid = 'namespace';
  protected readonly exposed = new Set(['get', 'set', 'delete', 'copy']);
  private readonly fields = new Map<string, unknown>();

  constructor(init?: unknown) {
    super();
    if (init === undefined || init === null) return;
    if (typeof init !== 'object' || Object.getPrototypeOf(init) !== Object.prototype) throw new TypeError(`namespace: init must be a plain object, got ${typeName(init)}`);
    for (const [name, value] of Object.entries(init)) this.fields.set(name, value);
  }

  get(_: CallContext | undefined, name: unknown): unknown {
    return this.fields.get(checkName(name, 'namespace.get'));
  }
  set(_: CallContext | undefined, name: unknown, value: unknown): void {
    this.fields.set(checkName(name, 'namespace.set'), value);
  }
  delete(_: CallContext | undefined, name: unknown): boolean {
    return this.fields.delete(checkName(name, 'namespace.delete'));
  }
  copy(): Record<string, unknown> {
    return Object.fromEntries(this.fields);
  }
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string') throw new TypeError(`${what}: an attribute name must be a string, got ${typeName(name)}`);
  return name;
}

type Typed = InstanceType<(typeof TYPED_ARRAYS)[ElementTypeName]>;

function store(array: Typed, at: number, value: unknown, type: string, what: string): void {
  const big = type === 'i64' || type === 'u64';
  if (big ? typeof value !== 'bigint' : typeof value !== 'number') {
    throw new TypeError(`${what}: a ${type} element must be a ${big ? 'bigint' : 'number'}, got ${typeName(value)}`);
  }
  array[at] = value as never;
}

/** A typed array held by the server: `multiprocessing` `Value` (length 1) and `Array`. @internal */
export class ServerTyped extends ServerObject {
  readonly typeid: 'value' | 'array';
  protected readonly exposed: ReadonlySet<string>;
  private readonly data: Typed;
  private readonly type: string;

  constructor(kind: 'value' | 'array', type: unknown, init: unknown) {
    super();
    this.typeid = kind;
    this.type = elementTypeName(type, kind);
    const Ctor = TYPED_ARRAYS[this.type as ElementTypeName];
    if (kind === 'value') {
      this.exposed = new Set(['get', 'set']);
      this.data = new Ctor(1);
      store(this.data, 0, init ?? (this.type === 'i64' || this.type === 'u64' ? 0n : 0), this.type, 'value');
    } else {
      this.exposed = new Set(['get', 'set', 'len', 'toArray']);
      if (typeof init === 'number') {
        if (!Number.isInteger(init) || init < 0) throw new RangeError(`array: length must be a non-negative integer, got ${init}`);
        this.data = new Ctor(init);
      } else if (Array.isArray(init)) {
        this.data = new Ctor(init.length);
        init.forEach((value, i) => store(this.data, i, value, this.type, `array: element ${i}`));
      } else {
        throw new TypeError(`array: expected a length or an array of values, got ${typeName(init)}`);
      }
    }
  }

  get(_: CallContext | undefined, ...index: unknown[]): unknown {
    if (this.typeid === 'value') return this.data[0];
    return this.data[wireIndex(index[0], this.data.length, 'array.get')];
  }
  set(_: CallContext | undefined, ...args: unknown[]): void {
    if (this.typeid === 'value') store(this.data, 0, args[0], this.type, 'value.set');
    else store(this.data, wireIndex(args[0], this.data.length, 'array.set'), args[1], this.type, 'array.set');
  }
  len(): number {
    return this.data.length;
  }
  toArray(): (number | bigint)[] {
    return [...this.data];
  }
}
