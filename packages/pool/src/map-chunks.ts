import type { Prepared } from './engine.js';
import { Mode } from './protocol.js';

/** One chunk of a map: its items, ready to cross. @internal */
export interface Chunk {
  payload: unknown[] | Float64Array;
  shared: boolean;
}

/**
 * Cuts a map's input into chunks of `size` items, each made ready to cross. Numbers are read
 * once into one Float64Array and its chunks are views of it (the local engine copies them into
 * one buffer per batch when it sends them); other items go through `prepareItem`.
 * @internal
 */
export function cutChunks(items: unknown[], mode: Mode, size: number, prepareItem: (item: unknown, index: number) => Prepared): Chunk[] {
  const length = items.length;
  const chunks: Chunk[] = [];
  const numbers = mode === Mode.Map && size > 16 ? toFloat64(items) : undefined;
  for (let start = 0; start < length; start += size) {
    const end = Math.min(start + size, length);
    if (numbers) {
      chunks.push({ payload: numbers.subarray(start, end), shared: false });
      continue;
    }
    if (mode === Mode.Map && end - start > 16) {
      const packed = toFloat64(items, start, end);
      if (packed) {
        chunks.push({ payload: packed, shared: false });
        continue;
      }
    }
    const payload = items.slice(start, end);
    let shared = false;
    for (let i = 0; i < payload.length; i++) {
      const prepared = prepareItem(payload[i], start + i);
      if (prepared.shared) shared = true;
      payload[i] = prepared.value;
    }
    chunks.push({ payload, shared });
  }
  return chunks;
}

/**
 * `values[start..end]` as a Float64Array, or `undefined` when one is not a number. One pass in
 * a small function of its own, which V8 optimizes after a few calls.
 */
function toFloat64(values: unknown[], start = 0, end = values.length): Float64Array | undefined {
  const packed = new Float64Array(end - start);
  for (let i = start; i < end; i++) {
    const value = values[i];
    if (typeof value !== 'number') return undefined;
    packed[i - start] = value;
  }
  return packed;
}

/** Whether every value is a primitive (nothing to walk before it crosses). @internal */
export function allPrimitive(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value !== null && (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol')) return false;
  }
  return true;
}

/** Reads an async input to the end. @internal */
export async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const items: unknown[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
