import { dictEntries, typeName, TYPED_ARRAYS, type ElementTypeName } from '@conc/core/internal';
import { decodeKey, encodeKey } from './dict-keys.js';
import { checkIndex, RedisObject, type CallWait } from './object.js';

/** A dict in Redis: values in a HASH (fields name the key and its type), insertion order in a ZSET. @internal */
export class RedisDict extends RedisObject {
  protected run(method: string, args: unknown[]): Promise<unknown> {
    const data = this.key('data');
    const order = this.key('order');
    const field = (): string => encodeKey(args[0], this.what(method));
    switch (method) {
      case 'get': {
        const f = field();
        return this.redis<string | null>((r) => r.hget(data, f)).then((bytes) => (bytes === null ? args[1] : this.decode(bytes)));
      }
      case 'set': {
        const f = field();
        const value = this.encode(args[1], method);
        return this.redis<number>((r) => r.hset(data, f, value)).then((added) => {
          if (added === 1) return this.redis((r) => r.concDictOrder(data, order, this.key('meta'), f)).then(() => undefined);
        });
      }
      case 'has': {
        const f = field();
        return this.redis<number>((r) => r.hexists(data, f)).then((n) => n === 1);
      }
      case 'delete': {
        const f = field();
        return this.redis<string | null>((r) => r.concDictPop(data, order, f)).then((old) => old !== null);
      }
      case 'keys': return this.#items().then((items) => items.map(([k]) => k));
      case 'values': return this.#items().then((items) => items.map(([, v]) => v));
      case 'items': return this.#items();
      case 'copy': return this.#items().then((items) => new Map(items));
      case 'len': return this.redis((r) => r.hlen(data));
      case 'clear': return this.redis((r) => r.del(data, order)).then(() => undefined);
      case 'update': {
        const flat = dictEntries(args[0], this.what(method)).flatMap(([k, v]) => [encodeKey(k, this.what(method)), this.encode(v, method)]);
        if (flat.length === 0) return Promise.resolve(undefined);
        return this.redis((r) => r.concDictSet(data, order, this.key('meta'), ...flat)).then(() => undefined);
      }
      case 'pop': {
        const f = field();
        return this.redis<string | null>((r) => r.concDictPop(data, order, f)).then((bytes) => {
          if (bytes !== null) return this.decode(bytes);
          if (args.length > 1) return args[1];
          throw new RangeError(`${this.what('pop')}: no key ${typeName(args[0])} in the dict (pass a default to get it back instead)`);
        });
      }
      case 'setdefault': {
        const f = field();
        const value = this.encode(args[1], method);
        return this.redis<string>((r) => r.concDictSetdefault(data, order, this.key('meta'), f, value)).then((bytes) => this.decode(bytes));
      }
      default: return this.unknown(method);
    }
  }

  async #items(): Promise<[unknown, unknown][]> {
    const [fields, values] = await this.redis<[string[], (string | null)[]]>((r) => r.concDictItems(this.key('data'), this.key('order')));
    return fields.map((field, i) => [decodeKey(field), this.decode(values[i] ?? null)]);
  }
}

/** A list in Redis: a LIST of encoded items (equality for `remove`/`index`/`count` is equal encodings). @internal */
export class RedisList extends RedisObject {
  protected run(method: string, args: unknown[]): Promise<unknown> {
    const items = this.key('items');
    switch (method) {
      case 'get': {
        const i = checkIndex(args[0], this.what(method));
        return this.redis<string | null>((r) => r.lindex(items, i)).then((bytes) => {
          if (bytes === null) throw new RangeError(`${this.what(method)}: list index ${i} out of range`);
          return this.decode(bytes);
        });
      }
      case 'set': {
        const i = checkIndex(args[0], this.what(method));
        const value = this.encode(args[1], method);
        return this.redis((r) => r.lset(items, i, value)).then(() => undefined, (error: unknown) => {
          throw error instanceof RangeError ? new RangeError(`${this.what(method)}: list assignment index ${i} out of range`) : error;
        });
      }
      case 'append': {
        const value = this.encode(args[0], method);
        return this.redis((r) => r.rpush(items, value)).then(() => undefined);
      }
      case 'extend': {
        if (!Array.isArray(args[0])) throw new TypeError(`${this.what(method)}: values must be an iterable, got ${typeName(args[0])}`);
        const values = args[0].map((v) => this.encode(v, method));
        if (values.length === 0) return Promise.resolve(undefined);
        return this.redis((r) => r.rpush(items, ...values)).then(() => undefined);
      }
      case 'insert': {
        const i = checkIndex(args[0], this.what(method));
        const value = this.encode(args[1], method);
        return this.redis((r) => r.concListInsert(items, i, value)).then(() => undefined);
      }
      case 'pop': {
        const i = args[0] === undefined ? -1 : checkIndex(args[0], this.what(method));
        return this.redis<string>((r) => r.concListPop(items, i)).then((bytes) => this.decode(bytes));
      }
      case 'remove': {
        const value = this.encode(args[0], method);
        return this.redis<number>((r) => r.lrem(items, 1, value)).then((n) => {
          if (n === 0) throw new RangeError(`${this.what(method)}: ${typeName(args[0])} is not in the list`);
        });
      }
      case 'index': {
        const value = this.encode(args[0], method);
        return this.redis<number | null>((r) => r.lpos(items, value)).then((at) => {
          if (at === null) throw new RangeError(`${this.what(method)}: ${typeName(args[0])} is not in the list`);
          return at;
        });
      }
      case 'count': {
        const value = this.encode(args[0], method);
        return this.redis<number[]>((r) => r.lpos(items, value, 'COUNT', 0)).then((at) => at.length);
      }
      case 'len': return this.redis((r) => r.llen(items));
      case 'copy': return this.redis<string[]>((r) => r.lrange(items, 0, -1)).then((all) => all.map((bytes) => this.decode(bytes)));
      default: return this.unknown(method);
    }
  }
}

/** A namespace in Redis: a HASH of field name -> encoded value. @internal */
export class RedisNamespace extends RedisObject {
  protected run(method: string, args: unknown[]): Promise<unknown> {
    const data = this.key('data');
    const name = (): string => {
      if (typeof args[0] !== 'string') throw new TypeError(`${this.what(method)}: an attribute name must be a string, got ${typeName(args[0])}`);
      return args[0];
    };
    switch (method) {
      case 'get': {
        const field = name();
        return this.redis<string | null>((r) => r.hget(data, field)).then((bytes) => this.decode(bytes));
      }
      case 'set': {
        const field = name();
        const value = this.encode(args[1], method);
        return this.redis((r) => r.hset(data, field, value)).then(() => undefined);
      }
      case 'delete': {
        const field = name();
        return this.redis<number>((r) => r.hdel(data, field)).then((n) => n === 1);
      }
      case 'copy': return this.redis<Record<string, string>>((r) => r.hgetall(data)).then((all) => {
        const out: Record<string, unknown> = {};
        for (const [field, bytes] of Object.entries(all)) out[field] = this.decode(bytes);
        return out;
      });
      default: return this.unknown(method);
    }
  }
}

/** A numeric element type. @internal */
export type ElementType = ElementTypeName;

/** `value` stored as `type` says (wrapped, truncated, rounded), as its decimal text. @internal */
export function storedNumber(type: ElementType, value: unknown, what: string): string {
  const big = type === 'i64' || type === 'u64';
  if (big ? typeof value !== 'bigint' : typeof value !== 'number') {
    throw new TypeError(`${what}: a ${type} element must be a ${big ? 'bigint' : 'number'}, got ${typeName(value)}`);
  }
  const cell = new TYPED_ARRAYS[type](1);
  cell[0] = value as never;
  const stored = cell[0]!;
  return Object.is(stored, -0) ? '-0' : String(stored);
}

function parseNumber(type: ElementType, text: string): number | bigint {
  return type === 'i64' || type === 'u64' ? BigInt(text) : Number(text);
}

/** A typed number (a string key) or a typed array (a LIST of numbers as text). @internal */
export class RedisTyped extends RedisObject {
  protected run(method: string, args: unknown[], _wait: CallWait | undefined): Promise<unknown> {
    const type = this.ref.params['type'] as ElementType;
    if (this.ref.typeid === 'value') {
      const key = this.key('value');
      switch (method) {
        case 'get': return this.redis<string>((r) => r.get(key)).then((text) => parseNumber(type, text ?? '0'));
        case 'set': {
          const text = storedNumber(type, args[0], this.what(method));
          return this.redis((r) => r.set(key, text)).then(() => undefined);
        }
        default: return this.unknown(method);
      }
    }
    const items = this.key('items');
    switch (method) {
      case 'get': {
        const i = checkIndex(args[0], this.what(method));
        return this.redis<string | null>((r) => r.lindex(items, i)).then((text) => {
          if (text === null) throw new RangeError(`${this.what(method)}: index ${i} out of range`);
          return parseNumber(type, text);
        });
      }
      case 'set': {
        const i = checkIndex(args[0], this.what(method));
        const text = storedNumber(type, args[1], this.what(method));
        return this.redis((r) => r.lset(items, i, text)).then(() => undefined, (error: unknown) => {
          throw error instanceof RangeError ? new RangeError(`${this.what(method)}: index ${i} out of range`) : error;
        });
      }
      case 'len': return this.redis((r) => r.llen(items));
      case 'toArray': return this.redis<string[]>((r) => r.lrange(items, 0, -1)).then((all) => all.map((text) => parseNumber(type, text)));
      default: return this.unknown(method);
    }
  }
}
