import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataCloneError, DictProxy, ListProxy, Manager } from '@conc/manager';
import { Lock } from '@conc/sync';

let manager: Manager;
beforeAll(async () => {
  manager = await Manager.start();
});
afterAll(async () => {
  await manager.shutdown();
});

describe('dict (CPython test_dict)', () => {
  test('keys of different types stay distinct, insertion order kept', async () => {
    const d = await manager.dict();
    const keys = ['1', 1, 1n, true, null, 2.5, ''] as const;
    for (const [i, key] of keys.entries()) await d.set(key, i);
    expect(await d.len()).toBe(keys.length);
    expect(await d.keys()).toEqual([...keys]);
    for (const [i, key] of keys.entries()) expect(await d.get(key)).toBe(i);
    expect(await d.values()).toEqual(keys.map((_, i) => i));
    expect(await d.items()).toEqual(keys.map((k, i) => [k, i]));
  });

  test('the whole dict API', async () => {
    const d = await manager.dict<number>({ a: 1 });
    expect(await d.get('missing')).toBeUndefined();
    expect(await d.get('missing', 7)).toBe(7);
    expect(await d.has('a')).toBe(true);
    expect(await d.setdefault('a', 99)).toBe(1);
    expect(await d.setdefault('b', 2)).toBe(2);
    await d.update({ c: 3 });
    await d.update(new Map([['d', 4]]));
    await d.update([['e', 5]]);
    expect(await d.copy()).toEqual(new Map([['a', 1], ['b', 2], ['c', 3], ['d', 4], ['e', 5]]));
    expect(await d.pop('a')).toBe(1);
    expect(await d.pop('a', -1)).toBe(-1);
    await expect(d.pop('a')).rejects.toThrow(RangeError);
    expect(await d.delete('b')).toBe(true);
    expect(await d.delete('b')).toBe(false);
    await d.clear();
    expect(await d.len()).toBe(0);
  });

  test('values are copies of any structured-cloneable type', async () => {
    const d = await manager.dict();
    const value = { list: [1, 2, { deep: new Map([[1, new Set(['x'])]]) }], when: new Date(0), big: 2n ** 70n, bytes: new Uint8Array([1, 2]) };
    await d.set('v', value);
    const back = await d.get('v');
    expect(back).toEqual(value);
    expect(back).not.toBe(value);
  });

  test('bad keys and values are rejected, nothing changes', async () => {
    const d = await manager.dict({ a: 1 });
    await expect(d.set({} as never, 1)).rejects.toThrow(TypeError);
    await expect(d.set(undefined as never, 1)).rejects.toThrow(/dict key must be/);
    await expect(d.set('f', (() => 1) as never)).rejects.toThrow(DataCloneError);
    await expect(d.set('lock', new Lock() as never)).rejects.toThrow(/cannot be stored in a manager/);
    await expect(d.update([['ok', 1], [{}, 2]] as never)).rejects.toThrow(TypeError);
    expect(await d.copy()).toEqual(new Map([['a', 1]]));
  });
});

describe('list (CPython test_list)', () => {
  test('the whole list API, Python semantics', async () => {
    const l = await manager.list<number>([0, 1, 2]);
    await l.append(3);
    await l.extend(new Set([4, 5]));
    expect(await l.len()).toBe(6);
    expect(await l.get(-1)).toBe(5);
    await l.set(-2, 40);
    await l.insert(0, -1);
    await l.insert(100, 99); // clamped, as in Python
    await l.insert(-100, -99);
    expect(await l.copy()).toEqual([-99, -1, 0, 1, 2, 3, 40, 5, 99]);
    expect(await l.pop()).toBe(99);
    expect(await l.pop(0)).toBe(-99);
    expect(await l.index(40)).toBe(5);
    await l.append(1);
    expect(await l.count(1)).toBe(2);
    await l.remove(1);
    expect(await l.copy()).toEqual([-1, 0, 2, 3, 40, 5, 1]);
    await expect(l.get(7)).rejects.toThrow(RangeError);
    await expect(l.get(-8)).rejects.toThrow(RangeError);
    await expect(l.get(1.5)).rejects.toThrow(TypeError);
    await expect(l.remove(1234)).rejects.toThrow(RangeError);
    await expect(l.index(1234)).rejects.toThrow(RangeError);
    const empty = await manager.list();
    await expect(empty.pop()).rejects.toThrow(/empty list/);
  });

  test('equality for remove/index/count compares values, not identity', async () => {
    const l = await manager.list([{ a: [1] }, { a: [2] }]);
    expect(await l.index({ a: [2] })).toBe(1);
    await l.remove({ a: [1] });
    expect(await l.copy()).toEqual([{ a: [2] }]);
  });
});

describe('namespace, value, array', () => {
  test('namespace fields', async () => {
    const ns = await manager.namespace({ x: 1 });
    await ns.set('y', [2]);
    expect(await ns.get('x')).toBe(1);
    expect(await ns.get('nope')).toBeUndefined();
    expect(await ns.copy()).toEqual({ x: 1, y: [2] });
    expect(await ns.delete('x')).toBe(true);
    await expect(ns.set(1 as never, 1)).rejects.toThrow(TypeError);
  });

  test('value stores as its type (CPython test_value)', async () => {
    const v = await manager.value('i', 10);
    expect(await v.get()).toBe(10);
    await v.set(2 ** 31);
    expect(await v.get()).toBe(-(2 ** 31)); // wraps as an int32
    const u = await manager.value('u8', 300);
    expect(await u.get()).toBe(44);
    const q = await manager.value<bigint>('q', 2n ** 62n);
    expect(await q.get()).toBe(2n ** 62n);
    await expect(q.set(1 as never)).rejects.toThrow(/bigint/);
    await expect(manager.value('x' as never, 1)).rejects.toThrow(/type must be one of/);
  });

  test('array (CPython test_array)', async () => {
    const a = await manager.array('d', [1.5, 2.5, 3.5]);
    expect(await a.len()).toBe(3);
    await a.set(-1, 9);
    expect(await a.get(0)).toBe(1.5);
    expect(await a.toArray()).toEqual([1.5, 2.5, 9]);
    await expect(a.get(3)).rejects.toThrow(RangeError);
    const zeros = await manager.array('i16', 4);
    expect(await zeros.toArray()).toEqual([0, 0, 0, 0]);
    await expect(manager.array('i', -1)).rejects.toThrow(RangeError);
  });
});

describe('nested proxies (CPython test_dict_proxy_nested, test_list_proxy_in_list)', () => {
  test('a proxy stored in a dict or list stays a reference to the same object', async () => {
    const pets = await manager.dict<number>({ ferrets: 2, hamsters: 4 });
    const supplies = await manager.dict<number>({ water: 10, feed: 3 });
    const pet = await manager.dict<DictProxy>({ pets, supplies });
    const fromPet = (await pet.get('pets'))!;
    expect(fromPet).toBeInstanceOf(DictProxy);
    expect(await fromPet.get('ferrets')).toBe(2);
    await fromPet.set('ferrets', 3);
    expect(await pets.get('ferrets')).toBe(3);
    await pets.clear();
    expect(await (await pet.get('pets'))!.len()).toBe(0);

    const a = await manager.list([1, 2, 3]);
    const outer = await manager.list([a]);
    const inner = (await outer.get(0)) as ListProxy<number>;
    await inner.append(4); // Python's d[k].append(x) pitfall does not bite: it acts on a
    expect(await a.copy()).toEqual([1, 2, 3, 4]);
  });

  test('a plain value read back is a copy: changing it changes nothing on the server', async () => {
    const d = await manager.dict<number[]>({ k: [1] });
    const copy = (await d.get('k'))!;
    copy.push(2);
    expect(await d.get('k')).toEqual([1]);
  });
});
