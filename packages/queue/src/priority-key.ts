/**
 * Turns a `PriorityQueue` item into a key whose byte order is the item order, so the heap in
 * shared memory compares keys with a plain byte comparison and never decodes an item.
 *
 * The order is Python's where Python has one: numbers, bigints and booleans by value (`1 <
 * 1.5 < 2n`, `false == 0`), strings by UTF-16 code units, arrays element by element with a
 * shorter prefix first (tuples). Values Python cannot compare (objects, `null`, `undefined`)
 * count as equal to each other, and the comparison stops there: what follows them in an array
 * is not looked at. Values of different types (where Python raises `TypeError`) order by type:
 * numbers, then strings, then arrays, then everything else.
 */
const enum Tag {
  End = 0x01,
  Number = 0x10,
  String = 0x20,
  Array = 0x30,
  Other = 0x40,
}

let buffer = new Uint8Array(64);
let view = new DataView(buffer.buffer);
let length = 0;

function reserve(bytes: number): void {
  if (length + bytes <= buffer.length) return;
  const next = new Uint8Array(Math.max(buffer.length * 2, length + bytes));
  next.set(buffer.subarray(0, length));
  buffer = next;
  view = new DataView(buffer.buffer);
}

/**
 * The key of `item`. The result is a view of a per-thread buffer, valid until the next call.
 * @internal
 */
export function priorityKey(item: unknown): Uint8Array {
  length = 0;
  writeValue(item, 0);
  return buffer.subarray(0, length);
}

/** Writes one value; returns false when an uncomparable value ended the key. */
function writeValue(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'number':
      writeNumber(value, 0n);
      return true;
    case 'boolean':
      writeNumber(value ? 1 : 0, 0n);
      return true;
    case 'bigint': {
      // The nearest double orders bigints against numbers; the exact rest breaks its ties.
      let nearest = Number(value);
      if (!Number.isFinite(nearest)) nearest = nearest > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
      writeNumber(nearest, value - BigInt(nearest));
      return true;
    }
    case 'string':
      writeString(value);
      return true;
    default:
      if (Array.isArray(value) && depth < 64) {
        reserve(1);
        buffer[length++] = Tag.Array;
        for (const element of value as unknown[]) if (!writeValue(element, depth + 1)) return false;
        reserve(1);
        buffer[length++] = Tag.End;
        return true;
      }
      reserve(1);
      buffer[length++] = Tag.Other;
      return false;
  }
}

function writeNumber(value: number, rest: bigint): void {
  reserve(10);
  buffer[length] = Tag.Number;
  // IEEE 754 bits made byte-comparable: flip the sign bit of positives, every bit of negatives.
  view.setFloat64(length + 1, value === 0 ? 0 : value, false);
  const negative = buffer[length + 1]! >= 0x80;
  for (let i = 1; i <= 8; i++) buffer[length + i] = negative ? ~buffer[length + i]! & 0xff : i === 1 ? buffer[length + i]! ^ 0x80 : buffer[length + i]!;
  length += 9;
  if (rest === 0n) {
    buffer[length++] = 1;
    return;
  }
  const magnitude = rest < 0n ? -rest : rest;
  let hex = magnitude.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const n = hex.length / 2;
  reserve(2 + n);
  buffer[length++] = rest < 0n ? 0 : 2;
  buffer[length++] = rest < 0n ? 255 - n : n;
  for (let i = 0; i < n; i++) {
    const byte = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    buffer[length++] = rest < 0n ? 255 - byte : byte;
  }
}

function writeString(value: string): void {
  reserve(1 + value.length * 3 + 3);
  buffer[length++] = Tag.String;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit === 0) {
      // 0 0 1 for a NUL unit, so that 0 0 0 can end the string below every unit.
      buffer[length++] = 0;
      buffer[length++] = 0;
      buffer[length++] = 1;
    } else {
      buffer[length++] = unit >>> 8;
      buffer[length++] = unit & 0xff;
    }
  }
  buffer[length++] = 0;
  buffer[length++] = 0;
  buffer[length++] = 0;
}
