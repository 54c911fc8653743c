import { describe, expect, test } from 'vitest';
import { heap } from '@conc/core/internal';
import { Manager } from '@conc/manager';
import { RING_BYTES, RING_FRAME_LIMIT } from '../src/ring.js';
import { message, startClient, within } from './helpers.js';

/** The shared heap's bump pointer, in bytes: how much shared memory has been handed out. */
function heapUsed(): number {
  return new Int32Array(heap(), 0, 2)[1]! * 64;
}

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
