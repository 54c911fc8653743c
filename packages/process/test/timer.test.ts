import { describe, expect, it } from 'vitest';
import { StateError, Timer } from '@conc/process';
import { runScript } from './run-script.js';

describe('Timer', () => {
  it("the tutorial's hello: runs the target after the interval", async () => {
    const { stdout, code } = await runScript(`
      import { Timer } from '@conc/process';
      const hello = () => console.log('hello, world');
      const t = new Timer(300, hello);
      const started = performance.now();
      t.start(); // after 300 ms, "hello, world" will be printed
      console.log('started');
      await t.join();
      console.log('waited at least 300 ms:', performance.now() - started >= 295);
    `);
    expect(code).toBe(0);
    expect(stdout).toBe('started\nhello, world\nwaited at least 300 ms: true\n');
  });

  it('cancel() before the interval ends means the target never runs', async () => {
    const ran = new Int32Array(new SharedArrayBuffer(4));
    const t = new Timer(60_000, (flag: Int32Array) => { flag[0] = 1; }, [ran]);
    t.start();
    expect(t.isAlive()).toBe(true);
    t.cancel();
    expect(await t.join(30_000)).toBe(true);
    expect(t.isAlive()).toBe(false);
    expect(ran[0]).toBe(0);
  });

  it('passes args, records an exception, and cannot start twice', async () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const t = new Timer(10, (o: Int32Array, v: number) => { o[0] = v; }, [out, 9]);
    t.start();
    expect(() => t.start()).toThrow(StateError);
    expect(t.joinSync(30_000)).toBe(true);
    expect(out[0]).toBe(9);
    const failing = new Timer(0, () => { throw new Error('timer failed'); });
    failing.start();
    await failing.join();
    expect(failing.exception?.message).toBe('timer failed');
  });

  it('cancel() after the target ran is harmless', async () => {
    const t = new Timer(0, () => {});
    t.start();
    await t.join();
    t.cancel();
    expect(t.isAlive()).toBe(false);
  });

  it('rejects a negative or NaN interval, a missing or bad target, non-array args', () => {
    expect(() => new Timer(-1, () => {})).toThrow(RangeError);
    expect(() => new Timer(Number.NaN, () => {})).toThrow(RangeError);
    expect(() => new Timer('5' as never, () => {})).toThrow(TypeError);
    expect(() => new Timer(5, undefined as never)).toThrow(TypeError);
    expect(() => new Timer(5, 42 as never)).toThrow(TypeError);
    expect(() => new Timer(5, () => {}, {} as never)).toThrow(/args must be an array/);
  });
});
