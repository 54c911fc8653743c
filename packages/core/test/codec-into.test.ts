import { describe, expect, it } from 'vitest';
import { decode, decodeAt, encode, encodeInto, UNDECODED } from '@conc/core/internal';

/** A shared target filled with a marker byte, to see every byte a call writes. */
function target(bytes: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(bytes)).fill(0xee);
}

const tagged: [string, unknown][] = [
  ['undefined', undefined], ['null', null], ['true', true], ['false', false],
  ['zero', 0], ['int', 123456], ['negative int', -7], ['int32 min', -(2 ** 31)], ['int32 max', 2 ** 31 - 1],
  ['negative zero', -0], ['beyond int32', 2 ** 31], ['float', 1.5], ['NaN', NaN], ['-Infinity', -Infinity],
  ['empty string', ''], ['ascii string', 'hello'], ['unicode string', 'héllo wörld 🌍 日本'], ['long string', 'x'.repeat(10_000)],
  ['empty bytes', new Uint8Array(0)], ['64 bytes', Uint8Array.from({ length: 64 }, (_, i) => i * 3)],
  ['json object', { i: 1, name: 'item', value: 0.5, list: [1, 'a', null, true] }], ['json array', [1, [2, [3]]]],
];

const general: [string, unknown][] = [
  ['bigint', 12n], ['Date', new Date(0)], ['Map', new Map([[1, 2]])], ['Buffer', Buffer.from([1, 2])],
  ['Float64Array', new Float64Array([1.5])], ['object with undefined', { a: undefined }], ['symbol', Symbol('s')],
  ['Uint8Array over shared memory', new Uint8Array(new SharedArrayBuffer(4))],
];

describe('encodeInto writes what encode makes, in place', () => {
  for (const [name, value] of tagged) {
    it(`${name}: same bytes as encode at offsets 0, 3 and 8, nothing written around them`, () => {
      const expected = encode(value, 'item').slice();
      for (const offset of [0, 3, 8]) {
        const out = target(offset + expected.length * 3 + 16);
        const written = encodeInto(value, out, offset);
        expect(written).toBe(expected.length);
        expect(out.subarray(offset, offset + written)).toStrictEqual(new Uint8Array(expected));
        expect(out.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
        expect(out.subarray(offset + written).every((b) => b === 0xee)).toBe(true);
        expect(decode(out.subarray(offset, offset + written))).toStrictEqual(value);
        expect(decodeAt(out, offset, written)).toStrictEqual(value);
      }
    });
  }

  for (const [name, value] of general) {
    it(`${name}: left to encode (-1, nothing written), decodeAt leaves it too`, () => {
      const out = target(4096);
      expect(encodeInto(value, out, 0)).toBe(-1);
      expect(out.every((b) => b === 0xee)).toBe(true);
      if (typeof value === 'symbol') return;
      const bytes = encode(value, 'item');
      const shared = target(bytes.length + 5);
      shared.set(bytes, 5);
      expect(decodeAt(shared, 5, bytes.length)).toBe(UNDECODED);
    });
  }

  it('a value that may not fit before end is refused whole: -1 and nothing written', () => {
    const cases: [unknown, number][] = [
      [undefined, 0], [true, 0], [null, 0], [7, 4], [1.5, 8],
      // Strings and JSON need room for the worst case (3 bytes per UTF-16 unit), even if ASCII.
      ['abcd', 12], [{ a: 1 }, 3 * 7], [new Uint8Array(64), 64],
    ];
    for (const [value, room] of cases) {
      const out = target(100);
      expect(encodeInto(value, out, 10, 10 + room)).toBe(-1);
      expect(out.every((b) => b === 0xee)).toBe(true);
      // One more byte of room is enough.
      const written = encodeInto(value, out, 10, 10 + room + 1);
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThanOrEqual(room + 1);
      expect(out.subarray(10 + written).every((b) => b === 0xee)).toBe(true);
      expect(decodeAt(out, 10, written)).toStrictEqual(value);
    }
  });

  it('end defaults to the end of the target, and an offset at the end fits nothing', () => {
    const out = target(9);
    expect(encodeInto(1.25, out, 0)).toBe(9);
    expect(encodeInto(1.25, out, 1)).toBe(-1);
    expect(encodeInto(undefined, out, 9)).toBe(-1);
    expect(encodeInto('', out, 8)).toBe(1);
  });

  it('decodeAt returns bytes and strings of their own, not views of the source', () => {
    const out = target(128);
    const n = encodeInto(new Uint8Array([1, 2, 3]), out, 4);
    const bytes = decodeAt(out, 4, n) as Uint8Array;
    out.fill(0);
    expect(bytes).toStrictEqual(new Uint8Array([1, 2, 3]));
    expect(bytes.buffer).toBeInstanceOf(ArrayBuffer);
  });
});
