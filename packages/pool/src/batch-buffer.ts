/**
 * Gives the number chunks of a batch one buffer of their own. A map of numbers keeps its input
 * in one Float64Array and its chunks are views of it; structured clone copies a view's whole
 * underlying buffer, so each message would carry the entire input. Copied into one buffer per
 * batch (one allocation, one `set` per chunk), the views can also be moved rather than cloned.
 * The units keep their own views, so a chunk sent again after a crash still has its items.
 * @param payloads - The batch's payloads; views of a bigger buffer are replaced in place.
 * @returns The new buffer (to transfer), or `undefined` when no payload was such a view.
 * @internal
 */
export function packBatch(payloads: unknown[]): ArrayBuffer | undefined {
  let total = 0;
  for (let i = 0; i < payloads.length; i++) {
    const payload = payloads[i];
    if (payload instanceof Float64Array && payload.byteLength !== payload.buffer.byteLength) total += payload.length;
  }
  if (total === 0) return undefined;
  const packed = new Float64Array(total);
  let offset = 0;
  for (let i = 0; i < payloads.length; i++) {
    const payload = payloads[i];
    if (payload instanceof Float64Array && payload.byteLength !== payload.buffer.byteLength) {
      packed.set(payload, offset);
      payloads[i] = packed.subarray(offset, offset + payload.length);
      offset += payload.length;
    }
  }
  return packed.buffer;
}
