import { typeName } from './wait-options.js';

/** The numeric element types by their sized names (`Value`, `SharedArray`, the Managers' `value`/`array`). @internal */
export const TYPED_ARRAYS = {
  i8: Int8Array, u8: Uint8Array, i16: Int16Array, u16: Uint16Array, i32: Int32Array, u32: Uint32Array,
  i64: BigInt64Array, u64: BigUint64Array, f32: Float32Array, f64: Float64Array,
} as const;

/** A numeric element type's sized name. @internal */
export type ElementTypeName = keyof typeof TYPED_ARRAYS;

const typecodes: Record<string, ElementTypeName> = { b: 'i8', B: 'u8', h: 'i16', H: 'u16', i: 'i32', I: 'u32', q: 'i64', Q: 'u64', f: 'f32', d: 'f64' };

/**
 * The sized name of a type given by its sized name or its Python typecode (`'i'` is `'i32'`).
 * @throws TypeError for anything else, listing what is accepted.
 * @internal
 */
export function elementTypeName(type: unknown, what: string): ElementTypeName {
  if (typeof type === 'string') {
    if (Object.hasOwn(TYPED_ARRAYS, type)) return type as ElementTypeName;
    if (Object.hasOwn(typecodes, type)) return typecodes[type]!;
  }
  throw new TypeError(`${what}: type must be one of 'i8' 'u8' 'i16' 'u16' 'i32' 'u32' 'i64' 'u64' 'f32' 'f64' or a Python typecode ('b' 'B' 'h' 'H' 'i' 'I' 'q' 'Q' 'f' 'd'), got ${typeName(type)}`);
}
