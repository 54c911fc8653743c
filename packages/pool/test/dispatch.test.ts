// Dispatch: tiny tasks travel in batches (one message carries many), traced on '@conc/trace'.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { Pool } from '@conc/pool';

interface TraceEvent {
  type: string;
  kind: string;
  tasks?: number;
}

describe('dispatch', () => {
  it('10,000 tiny tasks submitted at once go in far fewer messages, every result right', async () => {
    const pool = new Pool(2);
    const events: TraceEvent[] = [];
    const listener = (event: unknown): void => {
      const e = event as TraceEvent;
      if (e.kind === 'Pool') events.push(e);
    };
    subscribe('@conc/trace', listener);
    try {
      const inc = (x: number) => x + 1;
      const results = await Promise.all(Array.from({ length: 10_000 }, (_, i) => pool.applyAsync(inc, [i])));
      expect(results.every((v, i) => v === i + 1)).toBe(true);
    } finally {
      unsubscribe('@conc/trace', listener);
    }
    const puts = events.filter((e) => e.type === 'put');
    const sent = puts.reduce((n, e) => n + (e.tasks ?? 0), 0);
    expect(sent).toBe(10_000);
    expect(puts.length).toBeLessThan(1_000);
    expect(events.filter((e) => e.type === 'get').reduce((n, e) => n + (e.tasks ?? 0), 0)).toBe(10_000);
    await pool.terminate();
  });

  it('a long task does not hold back another while a worker idles', async () => {
    const pool = new Pool(2);
    const sleep = (ms: number) => (Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms), ms);
    // Known to be long after the first round: from then on one at a time per worker.
    await pool.map(sleep, [50, 50], 1);
    const long = pool.applyAsync(sleep, [20_000]);
    const started = performance.now();
    const short = await Promise.all([1, 2, 3, 4].map((ms) => pool.apply(sleep, [ms])));
    expect(short).toEqual([1, 2, 3, 4]);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(long.ready()).toBe(false);
    await pool.terminate();
  });
});
