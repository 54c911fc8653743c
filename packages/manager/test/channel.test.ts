import { describe, expect, test } from 'vitest';
import { heap } from '@conc/core/internal';
import { Manager } from '@conc/manager';
import { allocateChannel, allocateHub, Next, RING_BYTES, RING_FRAME_LIMIT, type Ring } from '../src/channel.js';
import { message, startClient, within } from './helpers.js';

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

/** The shared heap's bump pointer, in bytes: how much shared memory has been handed out. */
function heapUsed(): number {
  return new Int32Array(heap(), 0, 2)[1]! * 64;
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
    expect(puts).toBe(Math.floor(RING_BYTES / big.length));
    while (take(requests) !== undefined);
    const small = frame(8, 0);
    expect(requests.put(small, 0, small.length)).toBe(true);
    // A peer that writes a length beyond what it published.
    requests.bytes.writeUInt32LE(RING_BYTES, (requests.consumed >>> 0) % RING_BYTES);
    expect(requests.next()).toBe(Next.Malformed);
  });
});

describe('a thread server and the clients of its process', () => {
  test('calls in flight beyond what the rings hold, big frames among them, keep their order', async () => {
    await using manager = await Manager.start();
    const list = await manager.list<string>();
    // 3000 small items (more than the request ring holds at once) and big ones (which travel on
    // the socket, a ring marker in their place), in both directions.
    const items = Array.from({ length: 3000 }, (_, i) => (i % 500 === 7 ? `big${i}`.padEnd(RING_FRAME_LIMIT * 3, '.') : `item ${i} `.padEnd(40, '.')));
    const worker = startClient('pipelined', { list, items });
    expect(await within(message(worker, (m) => typeof m === 'object'), 60_000, 'the client')).toEqual({ same: true });
    expect(await list.len()).toBe(items.length);
    expect(await list.copy()).toEqual(items);
    await worker.terminate();
  });

  test('the main thread too: pipelined and one at a time, and its event loop keeps turning', async () => {
    await using manager = await Manager.start();
    const d = await manager.dict<string, number>();
    const values = Array.from({ length: 2000 }, (_, i) => `${i}`.repeat(i % 40));
    await Promise.all(values.map((v, i) => d.set(i, v)));
    expect(await Promise.all(values.map((_, i) => d.get(i)))).toEqual(values);
    // A loop of calls never gives the event loop a turn by itself: the channel must.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    const start = performance.now();
    let calls = 0;
    while (performance.now() - start < 300) {
      await d.set(calls % 100, 'x');
      calls++;
    }
    clearInterval(ticker);
    expect(ticks).toBeGreaterThan(1);
    expect(await d.len()).toBe(2000);
  });

  test('connecting and disconnecting again and again reuses channels: shared memory does not grow with it', async () => {
    await using manager = await Manager.start();
    const first = await Manager.connect({ address: manager.address, authkey: manager.authkey });
    await first.close();
    const before = heapUsed();
    for (let i = 0; i < 30; i++) {
      const client = await Manager.connect({ address: manager.address, authkey: manager.authkey });
      const d = await client.dict({ i });
      expect(await d.get('i')).toBe(i);
      await client.close();
    }
    // Each channel is 2 rings of RING_BYTES: 30 new ones would be ~4 MB.
    expect(heapUsed() - before).toBeLessThan(4 * 2 * RING_BYTES);
  });

  test('client threads terminated in the middle of a stream of calls leave the server serving', async () => {
    await using manager = await Manager.start();
    const dict = await manager.dict<number, string>();
    for (let round = 0; round < 4; round++) {
      const worker = startClient('stream', { dict });
      await message(worker, (m) => m === 'streaming');
      while (((await dict.get('n')) ?? 0) < 50) await new Promise((resolve) => setTimeout(resolve, 5));
      await worker.terminate();
      await dict.set('n', -1);
      expect(await dict.get('n')).toBe(-1);
    }
    const list = await manager.list<string>();
    const worker = startClient('pipelined', { list, items: ['a', 'b', 'c'] });
    expect(await within(message(worker, (m) => typeof m === 'object'), 30_000, 'a new client')).toEqual({ same: true });
    await worker.terminate();
  });
});
