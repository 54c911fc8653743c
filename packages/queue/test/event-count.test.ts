import { describe, expect, it } from 'vitest';
import { EventCount } from '../src/event-count.js';

// The event count the FIFO engine sleeps on (src/event-count.ts), on the main thread with async
// waits; the cross-thread behaviour is exercised by fifo-core.test.ts.

describe('EventCount', () => {
  it('a notify with nobody armed writes nothing; an armed one bumps the word once', () => {
    const i32 = new Int32Array(new SharedArrayBuffer(8));
    const ec = new EventCount(i32, 1);
    ec.notify();
    expect(i32[1]).toBe(0);
    const key = ec.prepare();
    expect(key).toBe(1);
    expect(ec.prepare()).toBe(1);
    ec.notify();
    expect(i32[1]).toBe(2);
    ec.notify();
    expect(i32[1]).toBe(2);
    expect(i32[0]).toBe(0);
  });

  it('wakes every sleeper at once, and a wait with a stale key returns at once', async () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    const ec = new EventCount(i32, 0);
    const woken: number[] = [];
    const sleepers = [0, 1, 2].map((n) => ec.wait(ec.prepare(), Infinity, undefined).then(() => woken.push(n)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(woken).toEqual([]);
    ec.notify();
    await Promise.all(sleepers);
    expect(woken.sort()).toEqual([0, 1, 2]);
    const stale = ec.prepare();
    ec.notify();
    ec.waitSync(stale, Infinity); // returns: the word moved on
    await ec.wait(stale, Infinity, undefined);
  });

  it('the sequence wraps past 2^31 without a key repeating its neighbour', () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    i32[0] = 0x7ffffffe;
    const ec = new EventCount(i32, 0);
    const key = ec.prepare();
    expect(key).toBe(0x7fffffff);
    ec.notify();
    expect(i32[0]).toBe(-0x80000000);
    expect(ec.prepare()).toBe(-0x7fffffff);
  });

  it('a timed wait ends at its deadline, an aborted one rejects with the reason', async () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4));
    const ec = new EventCount(i32, 0);
    const started = performance.now();
    ec.waitSync(ec.prepare(), performance.now() + 20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    const controller = new AbortController();
    const waiting = ec.wait(ec.prepare(), Infinity, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
