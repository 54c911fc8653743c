import { typeName } from '@conc/core/internal';

/** A dict key kept distinct by type (`1` is not `'1'`, as in Python). @internal */
export type DictKey = string | number | bigint | boolean | null;

/**
 * A dict key as a Redis hash field: a type letter, then the key (`s:a`, `n:1`, `i:1` for `1n`,
 * `b:1`, `z:` for `null`). Numbers that are equal are one key (`0` and `-0`), as in a `Map`.
 * @throws TypeError for a key of another type.
 * @internal
 */
export function encodeKey(key: unknown, what: string): string {
  switch (typeof key) {
    case 'string': return `s:${key}`;
    case 'number': return `n:${Object.is(key, -0) ? 0 : key}`;
    case 'bigint': return `i:${key}`;
    case 'boolean': return key ? 'b:1' : 'b:0';
    default:
      if (key === null) return 'z:';
      throw new TypeError(`${what}: a dict key must be a string, number, bigint, boolean or null, got ${typeName(key)}`);
  }
}

/** The key a hash field stands for. @internal */
export function decodeKey(field: string): DictKey {
  const rest = field.slice(2);
  switch (field[0]) {
    case 's': return rest;
    case 'n': return Number(rest);
    case 'i': return BigInt(rest);
    case 'b': return rest === '1';
    default: return null;
  }
}
