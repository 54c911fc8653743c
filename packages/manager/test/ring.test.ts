import { describe, expect, test } from 'vitest';
import { allocateChannel, allocateHub } from '../src/channel.js';
import { Next, RING_BYTES, RING_FRAME_LIMIT, type Ring } from '../src/ring.js';

/** A frame as the wire has it: `[u32 body length][body]`, the body filled from `seed`. */
function frame(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(4 + length);
  bytes.writeUInt32LE(length, 0);
  for (let i = 0; i < length; i++) bytes[4 + i] = (seed + i) & 0xff;
  return bytes;
}

function take(ring: Ring): Buffer | 'socket' | undefined {
  const next = ring.next();
  if (next === Next.Empty) return undefined;
  if (next === Next.Malformed) throw new Error('malformed');
  const got = next === Next.Socket ? 'socket' : Buffer.from(ring.bytes.subarray(ring.start, ring.end));
  ring.advance();
  return got;
}

describe('a ring', () => {
  test('carries frames of every size across its wrap, in order, with socket markers in their place', () => {
    const { requests: producer } = allocateChannel(allocateHub());
    // The consumer is another view of the same memory, as on the other thread.
    const sent: (Buffer | 'socket')[] = [];
    const got: (Buffer | 'socket')[] = [];
    let seed = 1;
    const sizes = [0, 1, 3, 4, 5, 27, 1000, RING_FRAME_LIMIT, RING_FRAME_LIMIT - 1, 9000];
    for (let round = 0; round < 100; round++) {
      // Fill until full, then drain half: the positions wrap many times.
      for (;;) {
        const length = sizes[(round + sent.length) % sizes.length]!;
        if ((round + sent.length) % 7 === 0) {
          if (!producer.putSocketMarker()) break;
          sent.push('socket');
          continue;
        }
        const bytes = frame(length, seed++);
        if (!producer.put(bytes, 0, bytes.length)) break;
        sent.push(bytes.subarray(4));
      }
      producer.publish();
      for (let i = 0; i < 3; i++) {
        const item = take(producer);
        if (item !== undefined) got.push(item);
      }
    }
    for (let item = take(producer); item !== undefined; item = take(producer)) got.push(item);
    expect(got.length).toBe(sent.length);
    expect(sent.length).toBeGreaterThan(100 * 3);
    const same = (a: Buffer | 'socket' | undefined, b: Buffer | 'socket'): boolean => (a === 'socket' || b === 'socket' ? a === b : a !== undefined && a.equals(b));
    expect(sent.findIndex((item, i) => !same(got[i], item))).toBe(-1);
  });

  test('refuses what does not fit, and reads a record whose length lies as malformed', () => {
    const { requests } = allocateChannel(allocateHub());
    const big = frame(RING_FRAME_LIMIT, 0);
    let puts = 0;
    while (requests.put(big, 0, big.length)) puts++;
    requests.publish();
    expect(puts).toBe(Math.floor(RING_BYTES / big.length));
    while (take(requests) !== undefined);
    const small = frame(8, 0);
    expect(requests.put(small, 0, small.length)).toBe(true);
    expect(requests.next()).toBe(Next.Empty);
    requests.publish();
    // A peer that writes a length beyond what it published.
    requests.bytes.writeUInt32LE(RING_BYTES, (requests.consumed >>> 0) % RING_BYTES);
    expect(requests.next()).toBe(Next.Malformed);
  });
});
