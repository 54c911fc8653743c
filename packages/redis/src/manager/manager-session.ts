import { randomUUID } from 'node:crypto';
import { StateError } from '@conc/core';
import { dictEntries, elementTypeName, typeName } from '@conc/core/internal';
import type { BaseProxy, BuiltinTypeid, ManagerSession, ObjectOptions } from '@conc/manager';
import { checkName } from '../keys.js';
import { storedNumber } from './collections.js';
import { encodeKey } from './dict-keys.js';
import { objectKey, storeValue, type ObjectRef } from './object.js';
import { makeRedisProxy, redisObjectOf, shareSession } from './proxy.js';
import type { RedisSession } from './session.js';

/** A lease when the factory was given none: what the contract says. @internal */
export const DEFAULT_LEASE = 30_000;

/** One command that sets an object's first state: its name, the index of its key in KEYS, its arguments. */
type InitCommand = [command: string, keyIndex: number, args: (string | number | Buffer)[]];

/** What a factory makes: the keys it touches (after meta), its params, its first state. */
interface Plan {
  parts: string[];
  params: Record<string, unknown>;
  init: InitCommand[];
}

/**
 * A `Manager.connect({ backend })` handle's link to Redis: makes (or finds by name) objects and
 * returns the manager's own proxy classes over them.
 * @internal
 */
export class RedisManagerSession implements ManagerSession {
  constructor(readonly session: RedisSession) {
    shareSession(session);
  }

  async create(typeid: BuiltinTypeid, args: unknown[], options: ObjectOptions): Promise<BaseProxy> {
    const plan = this.#plan(typeid, args, options.lease ?? DEFAULT_LEASE);
    const { session } = this;
    const id = await session.run((r) => r.incr(`${session.prefix}:manager:ids`));
    const name = options.name === undefined ? randomUUID() : checkName(options.name, `Manager.${typeid}`);
    const keys = ['meta', ...plan.parts].map((part) => objectKey(session.prefix, name, part));
    const argv: (string | number | Buffer)[] = [typeid, id, JSON.stringify(plan.params)];
    for (const [command, keyIndex, commandArgs] of plan.init) {
      // In pieces: a script's unpack has a bounded stack.
      for (let at = 0; at < commandArgs.length || at === 0; at += 1000) {
        const piece = commandArgs.slice(at, at + 1000);
        argv.push(command, keyIndex + 2, piece.length, ...piece);
        if (commandArgs.length === 0) break;
      }
    }
    const [, storedType, storedId, storedParams] = await session.run((r) => r.concCreate(keys.length, ...keys, ...argv) as Promise<[number, string, string, string]>);
    if (storedType !== typeid) {
      throw new StateError(`Manager.${typeid}: the name ${JSON.stringify(name)} is already a ${storedType} in Redis, not a ${typeid}`);
    }
    const ref: ObjectRef = { name, typeid, id: Number(storedId), params: JSON.parse(storedParams) as Record<string, unknown> };
    return makeRedisProxy(session, ref);
  }

  /** Checks a factory's arguments as the local manager does, and plans the object's first state. */
  #plan(typeid: BuiltinTypeid, args: unknown[], lease: number): Plan {
    const what = `Manager.${typeid}`;
    const encode = (value: unknown): string => storeValue(this.session, value, `${what} init`);
    switch (typeid) {
      case 'dict': {
        const entries = dictEntries(args[0], what);
        const fields = entries.map(([k]) => encodeKey(k, what));
        const unique = new Map<string, string>();
        entries.forEach(([, v], i) => unique.set(fields[i]!, encode(v)));
        const data = [...unique].flat();
        const order = [...unique.keys()].flatMap((field, i) => [i + 1, field]);
        const init: InitCommand[] = unique.size === 0 ? [] : [['HSET', 0, data], ['ZADD', 1, order], ['HSET', -1, ['seq', unique.size]]];
        return { parts: ['data', 'order'], params: {}, init };
      }
      case 'list': {
        const items = args[0] === undefined ? [] : args[0];
        if (!Array.isArray(items)) throw new TypeError(`${what}: init must be an iterable, got ${typeName(items)}`);
        return { parts: ['items'], params: {}, init: items.length === 0 ? [] : [['RPUSH', 0, items.map(encode)]] };
      }
      case 'namespace': {
        const init = args[0] ?? {};
        if (typeof init !== 'object' || Object.getPrototypeOf(init) !== Object.prototype) throw new TypeError(`${what}: init must be a plain object, got ${typeName(init)}`);
        const data = Object.entries(init as Record<string, unknown>).flatMap(([k, v]) => [k, encode(v)]);
        return { parts: ['data'], params: {}, init: data.length === 0 ? [] : [['HSET', 0, data]] };
      }
      case 'value': {
        const type = elementTypeName(args[0], what);
        const big = type === 'i64' || type === 'u64';
        return { parts: ['value'], params: { type }, init: [['SET', 0, [storedNumber(type, args[1] ?? (big ? 0n : 0), what)]]] };
      }
      case 'array': {
        const type = elementTypeName(args[0], what);
        const init = args[1];
        let texts: string[];
        if (typeof init === 'number') {
          if (!Number.isInteger(init) || init < 0) throw new RangeError(`${what}: length must be a non-negative integer, got ${init}`);
          texts = new Array<string>(init).fill('0');
        } else if (Array.isArray(init)) {
          texts = init.map((v, i) => storedNumber(type, v, `${what}: element ${i}`));
        } else {
          throw new TypeError(`${what}: expected a length or an array of values, got ${typeName(init)}`);
        }
        return { parts: ['items'], params: { type }, init: texts.length === 0 ? [] : [['RPUSH', 0, texts]] };
      }
      case 'lock':
      case 'rlock':
        return { parts: ['lock', 'fence'], params: { lease }, init: [] };
      case 'semaphore':
      case 'boundedSemaphore': {
        const n = args[0];
        if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`${what}: n must be an integer, got ${typeName(n)}`);
        if (n < 0) throw new RangeError(`${what}: n must be >= 0, got ${n}`);
        return { parts: ['free', 'permits', 'fence'], params: { n, lease }, init: [['SET', 0, [n]]] };
      }
      case 'condition': {
        let lock: ObjectRef;
        if (args[0] === undefined) {
          lock = { name: randomUUID(), typeid: 'rlock', id: 0, params: { lease: DEFAULT_LEASE } };
        } else {
          const object = redisObjectOf(args[0]);
          if (!object || (object.ref.typeid !== 'lock' && object.ref.typeid !== 'rlock') || object.session.url !== this.session.url || object.session.prefix !== this.session.prefix) {
            throw new TypeError(`${what}: lock must be a LockProxy or RLockProxy of this same Redis backend, got ${typeName(args[0])}`);
          }
          lock = object.ref;
        }
        return { parts: ['waiters', 'notified', 'leases', 'arrivals'], params: { lock }, init: [] };
      }
      case 'event':
        return { parts: ['flag'], params: {}, init: [] };
      case 'barrier': {
        const [parties, timeout] = args;
        if (typeof parties !== 'number' || !Number.isInteger(parties)) throw new TypeError(`${what}: parties must be an integer, got ${typeName(parties)}`);
        if (parties < 1) throw new RangeError(`${what}: parties must be >= 1, got ${parties}`);
        if (timeout !== undefined && (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0)) {
          throw new RangeError(`${what}: timeout must be a non-negative number of milliseconds, got ${typeName(timeout)}`);
        }
        return { parts: ['state', 'ends', 'waiters'], params: { parties, timeout: timeout === undefined || timeout === Infinity ? null : timeout }, init: [] };
      }
      case 'queue': {
        const maxsize = args[0];
        if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) throw new TypeError(`${what}: maxsize must be an integer, got ${typeName(maxsize)}`);
        return { parts: ['items', 'state'], params: { maxsize: Math.max(0, maxsize) }, init: [] };
      }
      default:
        throw new TypeError(`Manager.create: unknown type ${typeName(typeid)}`);
    }
  }

  close(): Promise<void> {
    return this.session.close();
  }
}
