import { describe, expect, it } from 'vitest';
import { parseWait } from '@conc/core/internal';

describe('parseWait', () => {
  it('waits forever by default and for undefined or Infinity', () => {
    expect(parseWait(undefined, 'x').deadline).toBe(Infinity);
    expect(parseWait(Infinity, 'x').deadline).toBe(Infinity);
    expect(parseWait({}, 'x').deadline).toBe(Infinity);
    expect(parseWait({ timeout: Infinity }, 'x').deadline).toBe(Infinity);
  });

  it('turns a number or { timeout } into a deadline', () => {
    const now = performance.now();
    const { deadline } = parseWait(100, 'x');
    expect(deadline).toBeGreaterThanOrEqual(now + 100);
    expect(deadline).toBeLessThan(now + 1_000);
    expect(parseWait({ timeout: 0 }, 'x').deadline).toBeLessThanOrEqual(performance.now());
  });

  it('blocking: false is a zero timeout; with a finite timeout it is a RangeError', () => {
    expect(parseWait({ blocking: false }, 'x').deadline).toBeLessThanOrEqual(performance.now());
    expect(() => parseWait({ blocking: false, timeout: 5 }, 'Lock.acquire')).toThrow(RangeError);
    expect(() => parseWait({ blocking: false, timeout: 5 }, 'Lock.acquire')).toThrow(/Lock\.acquire: can't specify a timeout for a non-blocking call/);
    expect(parseWait({ blocking: false, timeout: Infinity }, 'x').deadline).toBeLessThanOrEqual(performance.now());
  });

  it('rejects negative and NaN timeouts with RangeError, other types with TypeError', () => {
    expect(() => parseWait(-1, 'Event.wait')).toThrow(/Event\.wait: timeout must be a non-negative number of milliseconds, got -1/);
    expect(() => parseWait(NaN, 'x')).toThrow(RangeError);
    expect(() => parseWait({ timeout: -5 }, 'x')).toThrow(RangeError);
    expect(() => parseWait({ timeout: '5' as never }, 'x')).toThrow(TypeError);
    expect(() => parseWait('5' as never, 'x')).toThrow(TypeError);
    expect(() => parseWait({ blocking: 'no' as never }, 'x')).toThrow(TypeError);
    expect(() => parseWait({ signal: {} as never }, 'x')).toThrow(/signal must be an AbortSignal/);
  });

  it('passes the signal through', () => {
    const signal = new AbortController().signal;
    expect(parseWait({ signal }, 'x').signal).toBe(signal);
  });
});
