import { describe, expect, it } from 'vitest';
import { allocateBlock, HEADER_WORDS, kindTag, openBlock } from '@conc/core/internal';

describe('shared blocks', () => {
  it('are zeroed, 8-aligned, tagged with their kind and carry an id', () => {
    const block = allocateBlock('test:A', 13);
    expect(block.byteLength).toBe(16);
    expect(block.i32[0]).toBe(kindTag('test:A'));
    expect(block.i32[1]).toBe(block.byteOffset / 64);
    expect(block.byteOffset % 64).toBe(0);
    expect([...block.i32.subarray(HEADER_WORDS)]).toEqual([0, 0]);
  });

  it('refuse a descriptor of another kind or a malformed one', () => {
    const block = allocateBlock('test:A', 16);
    expect(openBlock('test:A', block).i32[0]).toBe(kindTag('test:A'));
    expect(() => openBlock('test:B', block)).toThrow(/belongs to another kind/);
    expect(() => openBlock('test:A', { buffer: new ArrayBuffer(8) as never, byteOffset: 0, byteLength: 8 })).toThrow(TypeError);
    expect(() => openBlock('test:A', { ...block, byteLength: block.buffer.byteLength + 64 })).toThrow(TypeError);
  });
});

describe('the shared heap', () => {
  it('is the same buffer in a worker started by anyone, and blocks from both sides do not overlap', async () => {
    const { Worker } = await import('node:worker_threads');
    const { heap } = await import('@conc/core/internal');
    const mine = allocateBlock('test:A', 64);
    const worker = new Worker(
      `import('@conc/core/internal').then(({ heap, allocateBlock }) => {
         const { parentPort } = require('node:worker_threads');
         const b = allocateBlock('test:A', 64);
         parentPort.postMessage({ same: heap(), offset: b.byteOffset });
       });`,
      { eval: true },
    );
    const reply = await new Promise<{ same: SharedArrayBuffer; offset: number }>((resolve) => worker.once('message', resolve));
    await worker.terminate();
    expect(reply.same).toBeInstanceOf(SharedArrayBuffer);
    // The worker's heap is ours: a write through it shows here.
    new Int32Array(reply.same, mine.byteOffset, 16)[5] = 1234;
    expect(mine.i32[5]).toBe(1234);
    expect(heap().byteLength).toBeGreaterThan(reply.offset);
    expect(reply.offset).not.toBe(mine.byteOffset);
  });
});
