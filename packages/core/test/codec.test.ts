import { describe, expect, it } from 'vitest';
import { DataCloneError } from '@conc/core';
import { decode, encode } from '@conc/core/internal';
// @ts-expect-error -- plain JS fixture without types
import { Cell } from './fixtures/cell.mjs';

/** Encodes, copies into shared memory as a queue would, decodes. */
function roundTrip(value: unknown): unknown {
  const bytes = encode(value, 'item');
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 16), 8, bytes.length);
  shared.set(bytes);
  return decode(shared);
}

describe('codec round trips over every structured-clone type', () => {
  const cases: [string, unknown][] = [
    ['undefined', undefined], ['null', null], ['true', true], ['false', false],
    ['zero', 0], ['negative zero', -0], ['int', 123456], ['negative int', -7], ['int32 max', 2 ** 31 - 1],
    ['beyond int32', 2 ** 31], ['float', 1.5], ['NaN', NaN], ['Infinity', -Infinity],
    ['empty string', ''], ['unicode string', 'héllo wörld 🌍 日本'], ['long string', 'x'.repeat(100_000)],
    ['bigint', 12345678901234567890n], ['negative bigint', -1n],
    ['Date', new Date(1_700_000_000_000)], ['RegExp', /a+b/gi],
    ['Map', new Map<unknown, unknown>([[1, 'a'], ['k', { v: [1, 2] }]])], ['Set', new Set([1, 'two', 3n])],
    ['nested object', { a: { b: { c: [1, null, 'x', { d: true }] } } }], ['array', [1, 'a', null, undefined, [2]]],
    ['Uint8Array', new Uint8Array([1, 2, 255])], ['Float64Array', new Float64Array([1.5, -2])],
    ['BigInt64Array', new BigInt64Array([1n, -2n])], ['ArrayBuffer', new Uint8Array([9, 8, 7]).buffer],
    ['DataView', new DataView(new Uint8Array([1, 2, 3, 4]).buffer)],
    ['boxed primitives', [Object(1), Object('s'), Object(true)]],
  ];
  for (const [name, value] of cases) {
    it(name, () => {
      expect(roundTrip(value)).toStrictEqual(value);
    });
  }

  it('Error keeps class, message and stack', () => {
    const error = roundTrip(new RangeError('out of range')) as RangeError;
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe('out of range');
  });

  it('cycles survive', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a['self'] = a;
    const back = roundTrip(a) as Record<string, unknown>;
    expect(back['self']).toBe(back);
  });

  it('shared objects inside an item come back live', () => {
    const cell = new Cell();
    const back = roundTrip({ box: [cell] }) as { box: [typeof cell] };
    back.box[0].value = 77;
    expect(cell.value).toBe(77);
  });

  it('a SharedArrayBuffer outside the heap cannot travel through shared memory', () => {
    const stray = { kind: 'x', [Symbol.for('@conc/core.toDescriptor')]: () => ({ kind: 'x:Y', buffer: new SharedArrayBuffer(8) }) };
    expect(() => encode([stray], 'item')).toThrow(/^item: a SharedArrayBuffer cannot travel through shared memory/);
  });

  it('a shared object encoded in a worker decodes live here (bytes through a SAB)', async () => {
    const { Worker } = await import('node:worker_threads');
    const cell = new Cell();
    cell.value = 5;
    const slot = new Uint8Array(new SharedArrayBuffer(4096));
    const fixture = new URL('./fixtures/cell.mjs', import.meta.url).href;
    const worker = new Worker(
      `Promise.all([import('@conc/core/internal'), import(${JSON.stringify(fixture)})]).then(([{ encode, revive }, { Cell }]) => {
         const { workerData, parentPort } = require('node:worker_threads');
         return revive(workerData.prepared).then((cell) => {
           cell.value += 1;
           const bytes = encode({ hello: [cell, new Cell()] }, 'item');
           new DataView(workerData.slot.buffer).setInt32(0, bytes.length, true);
           workerData.slot.set(bytes, 4);
           parentPort.postMessage('ready');
         });
       });`,
      { eval: true, workerData: { slot, prepared: (await import('@conc/core/internal')).prepare(cell, 'x').value } },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    const length = new DataView(slot.buffer).getInt32(0, true);
    const item = decode(slot.subarray(4, 4 + length)) as { hello: [typeof cell, typeof cell] };
    expect(item.hello[0].value).toBe(6);
    item.hello[0].value = 10;
    expect(cell.value).toBe(10);
    expect(item.hello[1].value).toBe(0);
  });

  it('values that cannot cross raise DataCloneError with the path', () => {
    expect(() => encode({ job: { run: () => 1 } }, 'item')).toThrow(DataCloneError);
    expect(() => encode({ job: { run: () => 1 } }, 'item')).toThrow(/^item\.job\.run: /);
  });

  it('rejects bytes it did not make', () => {
    expect(() => decode(new Uint8Array([200]))).toThrow(TypeError);
  });
});
