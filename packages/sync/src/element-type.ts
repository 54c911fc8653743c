import { elementTypeName, typeName, type ElementTypeName } from '@conc/core/internal';

/**
 * The element types of {@link Value} and {@link SharedArray}: the sized names, or the matching
 * Python typecode (`'b' 'B' 'h' 'H' 'i' 'I' 'q' 'Q' 'f' 'd'`).
 */
export type ValueType = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'f32' | 'f64' | 'b' | 'B' | 'h' | 'H' | 'i' | 'I' | 'q' | 'Q' | 'f' | 'd';

/** What an element of type `T` reads as: `bigint` for the 64-bit integers, `number` otherwise. */
export type ValueOf<T extends ValueType> = T extends 'i64' | 'u64' | 'q' | 'Q' ? bigint : number;

type Canonical = ElementTypeName;

const sizes: Record<Canonical, number> = { i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, i64: 8, u64: 8, f32: 4, f64: 8 };

/** A resolved element type. @internal */
export interface ElementType {
  name: Canonical;
  bytes: number;
}

/** Resolves a type name or Python typecode. @throws TypeError for anything else. @internal */
export function elementType(type: unknown, what: string): ElementType {
  const name = elementTypeName(type, what);
  return { name, bytes: sizes[name] };
}

const limits: Partial<Record<Canonical, [bigint, bigint]>> = {
  i8: [-(2n ** 7n), 2n ** 7n - 1n],
  u8: [0n, 2n ** 8n - 1n],
  i16: [-(2n ** 15n), 2n ** 15n - 1n],
  u16: [0n, 2n ** 16n - 1n],
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
  u32: [0n, 2n ** 32n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
  u64: [0n, 2n ** 64n - 1n],
};

/** The ranges of the integer types up to 32 bits, as numbers (exact). */
const smallLimits: Partial<Record<Canonical, [number, number]>> = {
  i8: [-(2 ** 7), 2 ** 7 - 1],
  u8: [0, 2 ** 8 - 1],
  i16: [-(2 ** 15), 2 ** 15 - 1],
  u16: [0, 2 ** 16 - 1],
  i32: [-(2 ** 31), 2 ** 31 - 1],
  u32: [0, 2 ** 32 - 1],
};

/**
 * Checks a value for an element of `type`: integers must be integers in range (a 64-bit one
 * may be given as a safe-integer number and becomes a bigint); floats take any number.
 * @throws TypeError/RangeError naming `what`.
 * @internal
 */
export function checkElement(type: ElementType, value: unknown, what: string): number | bigint {
  // The common case without BigInt arithmetic (it allocates): a number in a 32-bit type's range.
  const small = smallLimits[type.name];
  if (small && typeof value === 'number' && value >= small[0] && value <= small[1] && Math.floor(value) === value) return value;
  const range = limits[type.name];
  if (!range) {
    if (typeof value !== 'number') throw new TypeError(`${what}: a ${type.name} value must be a number, got ${typeName(value)}`);
    return value;
  }
  const wide = type.bytes === 8;
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isInteger(value)) {
    if (wide && !Number.isSafeInteger(value)) throw new RangeError(`${what}: ${value} is not a safe integer; pass a bigint for ${type.name}`);
    big = BigInt(value);
  } else {
    throw new TypeError(`${what}: a ${type.name} value must be an integer${wide ? ' (bigint or safe-integer number)' : ''}, got ${typeName(value)}`);
  }
  if (big < range[0] || big > range[1]) throw new RangeError(`${what}: ${big} is out of range for ${type.name} (${range[0]} to ${range[1]})`);
  return wide ? big : Number(big);
}

/** A typed array of one of the integer types up to 32 bits, with its range, for the hot paths. @internal */
export interface SmallInts {
  view: Int32Array;
  lo: number;
  hi: number;
}

/** The direct view of elements of an integer type up to 32 bits; `undefined` for the others. @internal */
export function smallInts(type: ElementType, buffer: SharedArrayBuffer, byteOffset: number, length: number): SmallInts | undefined {
  const range = smallLimits[type.name];
  if (!range) return undefined;
  const Ctor = { i8: Int8Array, u8: Uint8Array, i16: Int16Array, u16: Uint16Array, i32: Int32Array, u32: Uint32Array }[type.name as 'i32'];
  return { view: new (Ctor as unknown as Int32ArrayConstructor)(buffer, byteOffset, length), lo: range[0], hi: range[1] };
}

/** Atomic element access over shared memory. @internal */
export interface ElementAccess {
  get(index: number): number | bigint;
  set(index: number, value: number | bigint): void;
}

/**
 * Every element read or write is a single atomic operation, floats included (through an
 * integer view of the same bytes), so no thread ever sees a torn value.
 * @internal
 */
export function elementAccess(type: ElementType, buffer: SharedArrayBuffer, byteOffset: number, length: number): ElementAccess {
  switch (type.name) {
    case 'f32': {
      const bits = new Int32Array(buffer, byteOffset, length);
      const scratch = new Float32Array(1);
      const scratchBits = new Int32Array(scratch.buffer);
      return {
        get: (i) => ((scratchBits[0] = Atomics.load(bits, i)), scratch[0]!),
        set: (i, v) => ((scratch[0] = v as number), void Atomics.store(bits, i, scratchBits[0]!)),
      };
    }
    case 'f64': {
      const bits = new BigInt64Array(buffer, byteOffset, length);
      const scratch = new Float64Array(1);
      const scratchBits = new BigInt64Array(scratch.buffer);
      return {
        get: (i) => ((scratchBits[0] = Atomics.load(bits, i)), scratch[0]!),
        set: (i, v) => ((scratch[0] = v as number), void Atomics.store(bits, i, scratchBits[0]!)),
      };
    }
    default: {
      const Ctor = { i8: Int8Array, u8: Uint8Array, i16: Int16Array, u16: Uint16Array, i32: Int32Array, u32: Uint32Array, i64: BigInt64Array, u64: BigUint64Array }[type.name];
      const view = new (Ctor as unknown as Int32ArrayConstructor)(buffer, byteOffset, length);
      return {
        get: (i) => Atomics.load(view, i),
        set: (i, v) => void Atomics.store(view, i, v as number),
      };
    }
  }
}
