import { describe, expect, it } from 'vitest';
import { DataCloneError } from '@conc/core';
import { isMarkedDescriptor, prepare, revive, reviveSync } from '@conc/core/internal';
// @ts-expect-error -- plain JS fixture without types
import { Cell } from './fixtures/cell.mjs';
import { exited, startCellWorker } from './helpers.js';

function cloneError(value: unknown, path = 'args'): DataCloneError {
  try {
    prepare(value, path);
  } catch (error) {
    expect(error).toBeInstanceOf(DataCloneError);
    return error as DataCloneError;
  }
  throw new Error('expected a DataCloneError');
}

describe('prepare: what cannot cross is named by its path', () => {
  it('names a function inside a plain object inside args', () => {
    const error = cloneError([1, { handler: () => 1 }]);
    expect(error.path).toBe('args[1].handler');
    expect(error.message).toMatch(/^args\[1\]\.handler: a function cannot cross/);
  });

  it('names values inside Maps and Sets, and odd property names', () => {
    expect(cloneError([new Map([['k', Symbol('s')]])]).path).toBe('args[0].get("k")');
    expect(cloneError([new Set([1, Promise.resolve()])]).path).toBe('args[0].values()[1]');
    expect(cloneError({ 'my-key': [() => 0] }, 'item').path).toBe('item["my-key"][0]');
  });

  it('refuses class instances, naming the class', () => {
    class Socketish {
      #fd = 3;
      fd(): number {
        return this.#fd;
      }
    }
    const error = cloneError([{ conn: new Socketish() }]);
    expect(error.path).toBe('args[0].conn');
    expect(error.message).toMatch(/an instance of Socketish cannot cross/);
  });

  it('leaves values without shared objects untouched (same reference, shared: false)', () => {
    const value = { a: [1, 2, { b: new Map([[1, new Set(['x'])]]) }], d: new Date(0), t: new Uint8Array(4), e: new TypeError('x') };
    const prepared = prepare(value, 'args');
    expect(prepared.shared).toBe(false);
    expect(prepared.value).toBe(value);
  });

  it('accepts cycles', () => {
    const a: Record<string, unknown> = { n: 1 };
    a['self'] = a;
    expect(prepare([a], 'args').value).toEqual([a]);
  });

  it('turns shared objects at any depth into descriptors, copying only the containers on the way', () => {
    const cell = new Cell();
    const sibling = { untouched: true };
    const value = [sibling, { deep: new Map([['c', new Set([cell])]]) }];
    const prepared = prepare(value, 'args');
    expect(prepared.shared).toBe(true);
    const out = prepared.value as [unknown, { deep: Map<string, Set<unknown>> }];
    expect(out).not.toBe(value);
    expect(out[0]).toBe(sibling);
    const [descriptor] = [...out[1].deep.get('c')!];
    expect(isMarkedDescriptor(descriptor)).toBe(true);
    expect(value[1]).toEqual({ deep: new Map([['c', new Set([cell])]]) });
  });
});

describe('revive', () => {
  it('rebuilds live objects over the same memory in this thread', async () => {
    const cell = new Cell();
    const copy = (await revive(structuredClone(prepare({ cell }, 'x').value))) as { cell: typeof cell };
    copy.cell.value = 5;
    expect(cell.value).toBe(5);
    const again = reviveSync(structuredClone(prepare([cell], 'x').value)) as [typeof cell];
    again[0].value = 6;
    expect(cell.value).toBe(6);
  });

  it('the same live objects arrive in a worker at any depth and come back', async () => {
    const a = new Cell();
    const b = new Cell();
    a.value = 11;
    b.value = 22;
    const worker = startCellWorker('echo', [{ a }, new Map([['b', new Set([b])]])]);
    const reply = await new Promise<{ value: unknown; shared: boolean; seen: number[] }>((resolve) => worker.once('message', resolve));
    expect(reply.shared).toBe(true);
    expect(reply.seen).toEqual([11]);
    const [back] = (await revive(reply.value)) as [{ a: typeof a }];
    back.a.value = 99;
    expect(a.value).toBe(99);
    await exited(worker);
  });

  it('says clearly when a kind cannot be loaded', () => {
    expect(() => reviveSync({ __conc_shared__: '@conc/does-not-exist:Thing' })).toThrow(/cannot rebuild a @conc\/does-not-exist:Thing/);
    expect(() => reviveSync({ __conc_shared__: 'Unknown' })).toThrow(/no such kind/);
  });
});
