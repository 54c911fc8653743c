import { describe, expect, it } from 'vitest';
import { Lock, RLock, SharedArray, StateError, Value } from '@conc/sync';
import { inThreads, start } from './threads.js';

describe('Value', () => {
  it('holds every type, by sized name and by Python typecode', () => {
    const cases: [string, number | bigint][] = [
      ['i8', -128], ['b', 127], ['u8', 255], ['B', 0], ['i16', -32768], ['h', 123], ['u16', 65535], ['H', 7],
      ['i32', -(2 ** 31)], ['i', 2 ** 31 - 1], ['u32', 2 ** 32 - 1], ['I', 1], ['f32', 1.5], ['f', -0.25], ['f64', Math.PI], ['d', 1e300],
      ['i64', -(2n ** 63n)], ['q', 2n ** 63n - 1n], ['u64', 2n ** 64n - 1n], ['Q', 5n],
    ];
    for (const [type, v] of cases) expect(new Value(type as 'i8', v as number).value).toBe(v);
    expect(new Value('i').value).toBe(0);
    expect(new Value('q').value).toBe(0n);
    expect(new Value('q', 12).value).toBe(12n);
    expect(new Value('f', 0.1).value).toBe(Math.fround(0.1));
    const v = new Value('d', 1);
    v.value = 2.5;
    expect(v.value).toBe(2.5);
  });

  it('validates type, value and options', () => {
    expect(() => new Value('x' as never)).toThrow(TypeError);
    expect(() => new Value('x' as never)).toThrow(/type must be one of 'i8'.*Python typecode/);
    expect(() => new Value('i', 1.5)).toThrow(TypeError);
    expect(() => new Value('i', '1' as never)).toThrow(TypeError);
    expect(() => new Value('b', 128)).toThrow(RangeError);
    expect(() => new Value('u8', -1)).toThrow(/out of range for u8/);
    expect(() => new Value('q', 2 ** 60)).toThrow(RangeError);
    expect(() => new Value('Q', -1n)).toThrow(RangeError);
    expect(() => new Value('d', 1n as never)).toThrow(TypeError);
    expect(() => new Value('i', 0, { lock: 'yes' as never })).toThrow(/lock must be true/);
    expect(() => new Value('i', 0, null as never)).toThrow(TypeError);
    const v = new Value('i16', 3);
    expect(() => { v.value = 40000; }).toThrow(RangeError);
    expect(v.value).toBe(3);
    // The fast path of the small integer types checks the same as the general one.
    const w = new Value('i32', 0, { lock: false });
    for (const bad of [2 ** 31, -(2 ** 31) - 1, 0.5, NaN, Infinity]) expect(() => { w.value = bad; }).toThrow();
    expect(() => { w.value = '1' as never; }).toThrow(TypeError);
    w.value = -(2 ** 31);
    expect(w.value).toBe(-(2 ** 31));
    w.value = 2 ** 31 - 1;
    expect(w.value).toBe(2 ** 31 - 1);
    const u = new Value('u32', 0);
    u.value = 2 ** 32 - 1;
    expect(u.value).toBe(2 ** 32 - 1);
    expect(() => { u.value = -1; }).toThrow(RangeError);
    const f = new Value('f32', 0);
    f.value = 0.5;
    expect(f.value).toBe(0.5);
  });

  it('has an RLock by default, a given lock, or none', async () => {
    const v = new Value('i', 1);
    expect(v.getLock()).toBeInstanceOf(RLock);
    // The RLock lets value be used (and the lock taken again) while holding getLock().
    await v.with(async () => {
      v.value = v.value + 1;
      await v.with(() => undefined);
    });
    expect(v.value).toBe(2);
    const lock = new Lock();
    expect(new Value('i', 0, { lock }).getLock()).toBe(lock);
    const bare = new Value('i', 0, { lock: false });
    expect(() => bare.getLock()).toThrow(StateError);
    await expect(bare.with(() => 1)).rejects.toThrow(StateError);
  });

  it('tutorial: 100 threads each doing num -= 1 under a Lock end at exactly 0', async () => {
    const num = new Value('i', 100);
    const lock = new Lock();
    await inThreads(100, (a: { num: Value<'i'>; lock: Lock }) => {
      a.lock.acquireSync();
      try {
        const before = a.num.value;
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // widen the race window
        a.num.value = before - 1;
      } finally {
        a.lock.release();
      }
    }, { num, lock });
    expect(num.value).toBe(0);
  });

  it('tutorial: 8 threads doing 50,000 decrements in all, with the value\'s own lock', async () => {
    const num = new Value('q', 50_000n);
    await inThreads(8, async (a: { num: Value<'q'> }, i) => {
      const lock = a.num.getLock();
      for (let n = 0; n < 6250; n++) {
        if (i % 2) await lock.acquire();
        else lock.acquireSync();
        a.num.value -= 1n;
        lock.release();
      }
    }, { num });
    expect(num.value).toBe(0n);
  });

  it('floats never tear across threads', async () => {
    const v = new Value('d', 0, { lock: false });
    const torn = await inThreads(2, (a: { v: Value<'d'> }, i) => {
      const values = [1 / 3, -1e300];
      let bad = 0;
      for (let n = 0; n < 200_000; n++) {
        if (i === 0) a.v.value = values[n & 1]!;
        else {
          const x = a.v.value;
          if (x !== 0 && x !== values[0] && x !== values[1]) bad++;
        }
      }
      return bad;
    }, { v });
    expect(torn).toEqual([0, 0]);
  });
});

describe('SharedArray', () => {
  it('is made from a length or values, indexes from either end, iterates', () => {
    const a = new SharedArray('i', 3);
    expect(a.toArray()).toEqual([0, 0, 0]);
    a.set(0, 5);
    a.set(-1, 7);
    expect([a.get(0), a.get(-1), a.get(-3), a.length]).toEqual([5, 7, 5, 3]);
    expect([...a]).toEqual([5, 0, 7]);
    const q = new SharedArray('Q', [1n, 2, 3n]);
    expect(q.toArray()).toEqual([1n, 2n, 3n]);
    expect(new SharedArray('f64', new Set([0.5, 1.5])).toArray()).toEqual([0.5, 1.5]);
    expect(new SharedArray('u8', 0).toArray()).toEqual([]);
  });

  it('validates indexes, values, length and type', () => {
    const a = new SharedArray('h', [1, 2]);
    expect(() => a.get(2)).toThrow(RangeError);
    expect(() => a.get(-3)).toThrow(/index -3 out of range for length 2/);
    expect(() => a.set(5, 1)).toThrow(RangeError);
    expect(() => a.get(0.5)).toThrow(TypeError);
    expect(() => a.set(0, 70000)).toThrow(RangeError);
    expect(() => a.set(0, 'x' as never)).toThrow(TypeError);
    expect(() => new SharedArray('i', -1)).toThrow(RangeError);
    expect(() => new SharedArray('i', 1.5)).toThrow(RangeError);
    expect(() => new SharedArray('i', {} as never)).toThrow(TypeError);
    expect(() => new SharedArray('z' as never, 1)).toThrow(TypeError);
    expect(() => new SharedArray('i', [1, 'a' as never])).toThrow(/values\[1\]/);
    expect(a.toArray()).toEqual([1, 2]);
    expect(() => new SharedArray('i', 1, { lock: false }).getLock()).toThrow(StateError);
  });

  it('is the same array in other threads, with its lock', async () => {
    const arr = new SharedArray('i32', 5);
    await inThreads(4, async (a: { arr: SharedArray<'i32'> }, i) => {
      for (let n = 0; n < 1000; n++) {
        await a.arr.with(() => {
          a.arr.set(i, a.arr.get(i) + 1);
          a.arr.set(-1, a.arr.get(-1) + 1); // shared by all: exact only under the lock
        });
      }
    }, { arr });
    expect(arr.toArray()).toEqual([1000, 1000, 1000, 1000, 4000]);
    const seen = await start((a: { arr: SharedArray<'i32'> }) => [a.arr.length, ...a.arr], { arr }).result;
    expect(seen).toEqual([5, 1000, 1000, 1000, 1000, 4000]);
  });
});
