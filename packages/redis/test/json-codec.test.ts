import { describe, expect, it } from 'vitest';
import { DataCloneError, RemoteError } from '@conc/core';
import { Lock } from '@conc/sync';
import { decodeJson, encodeJson } from '../src/json-codec.js';

/** `[1, <hole>, 3]`. */
function sparse(): unknown[] {
  const array: unknown[] = [1];
  array[2] = 3;
  return array;
}

/** Through JSON text, as job data travels. */
function roundTrip(value: unknown): unknown {
  return decodeJson(JSON.parse(JSON.stringify(encodeJson(value))));
}

describe('encodeJson / decodeJson', () => {
  it('keeps what structured clone keeps', () => {
    const value = {
      n: 1.5, nan: NaN, inf: -Infinity, negZero: -0, u: undefined, big: 2n ** 70n, s: 'x', b: true, nil: null,
      date: new Date(1_700_000_000_000), bad: new Date(NaN), re: /a+b/gi,
      map: new Map<unknown, unknown>([[1, 'one'], ['1', { deep: [1n] }]]), set: new Set([1, '1', 2n]),
      f64: new Float64Array([1.5, -0, NaN]), u8: new Uint8Array([1, 2, 255]), i64: new BigInt64Array([-1n]),
      buffer: new Uint16Array([1, 2, 3]).buffer, view: new DataView(new Uint8Array([9, 8, 7]).buffer, 1, 2),
      boxed: Object('str') as object, dollar: { $: 'not a tag', v: 1 }, holes: sparse(),
    };
    const back = roundTrip(value) as typeof value;
    expect(back).toStrictEqual(structuredClone(value));
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(back.map.get('1')).toEqual({ deep: [1n] });
    expect(back.f64).toBeInstanceOf(Float64Array);
    expect(back.view.getUint8(0)).toBe(8);
  });

  it('keeps shared and cyclic references', () => {
    const shared = { x: 1 };
    const cyclic: Record<string, unknown> = { a: [shared, shared] };
    cyclic['self'] = cyclic;
    const back = roundTrip(cyclic) as { a: object[]; self: unknown };
    expect(back.self).toBe(back);
    expect(back.a[0]).toBe(back.a[1]);
    const map = new Map<string, unknown>();
    map.set('me', map);
    const mapBack = roundTrip([map, map]) as Map<string, unknown>[];
    expect(mapBack[0]).toBe(mapBack[1]);
    expect(mapBack[0]!.get('me')).toBe(mapBack[0]);
  });

  it('rebuilds errors: built-in classes as themselves, others as RemoteError, cause kept', () => {
    class MyError extends Error {
      override name = 'MyError';
    }
    const error = new TypeError('bad', { cause: new MyError('inner') });
    const back = roundTrip({ error }) as { error: TypeError };
    expect(back.error).toBeInstanceOf(TypeError);
    expect(back.error.message).toBe('bad');
    expect(back.error.cause).toBeInstanceOf(RemoteError);
    expect((back.error.cause as RemoteError).name).toBe('MyError');
  });

  it('refuses what cannot cross machines, naming the path', () => {
    expect(() => encodeJson([1, { f: () => 1 }], 'args')).toThrow(DataCloneError);
    expect(() => encodeJson([1, { f: () => 1 }], 'args')).toThrow(/args\[1\]\.f/);
    expect(() => encodeJson({ s: Symbol('x') })).toThrow(DataCloneError);
    expect(() => encodeJson([new WeakMap()], 'args')).toThrow(/args\[0\]/);
    expect(() => encodeJson({ lock: new Lock() }, 'args')).toThrow(/args\.lock.*machine/);
    expect(() => encodeJson(new Int32Array(new SharedArrayBuffer(8)))).toThrow(/shared memory/);
  });
});
