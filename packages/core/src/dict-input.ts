import { typeName } from './wait-options.js';

/** A dict key, kept distinct by type (`1` is not `'1'`, as in Python). @internal */
export type DictKey = string | number | bigint | boolean | null;

/**
 * `key` as a dict key: the one check every Manager's dict (local server, Redis) makes.
 * @throws TypeError for a key of another type.
 * @internal
 */
export function checkDictKey(key: unknown, what: string): DictKey {
  const type = typeof key;
  if (key === null || type === 'string' || type === 'number' || type === 'bigint' || type === 'boolean') return key as DictKey;
  throw new TypeError(`${what}: a dict key must be a string, number, bigint, boolean or null, got ${typeName(key)}`);
}

/**
 * What `dict(init)` and `update(entries)` accept, as pairs: nothing, a `Map`, an array of
 * `[key, value]` pairs or a plain object (keys are not checked here).
 * @throws TypeError for anything else, or an entry that is not a pair.
 * @internal
 */
export function dictEntries(init: unknown, what: string): [unknown, unknown][] {
  if (init === undefined || init === null) return [];
  if (init instanceof Map) return [...(init as Map<unknown, unknown>)];
  if (Array.isArray(init)) {
    return init.map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new TypeError(`${what}: entry ${i} must be a [key, value] pair, got ${typeName(pair)}`);
      return [pair[0], pair[1]] as [unknown, unknown];
    });
  }
  if (typeof init === 'object' && Object.getPrototypeOf(init) === Object.prototype) return Object.entries(init);
  throw new TypeError(`${what}: expected a plain object, a Map or an array of [key, value] pairs, got ${typeName(init)}`);
}
