import { checkDictKey, type DictKey } from '@conc/core/internal';

/**
 * A dict key as a Redis hash field: a type letter, then the key (`s:a`, `n:1`, `i:1` for `1n`,
 * `b:1`, `z:` for `null`). Numbers that are equal are one key (`0` and `-0`), as in a `Map`.
 * @throws TypeError for a key of another type.
 * @internal
 */
export function encodeKey(key: unknown, what: string): string {
  const checked = checkDictKey(key, what);
  switch (typeof checked) {
    case 'string': return `s:${checked}`;
    case 'number': return `n:${Object.is(checked, -0) ? 0 : checked}`;
    case 'bigint': return `i:${checked}`;
    case 'boolean': return checked ? 'b:1' : 'b:0';
    default: return 'z:';
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
