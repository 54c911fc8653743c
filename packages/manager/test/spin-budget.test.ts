import { describe, expect, test } from 'vitest';
import { SpinBudget } from '../src/spin-budget.js';

/** How many of the next `waits` waits poll. */
function polls(budget: SpinBudget, waits: number): number {
  let polled = 0;
  for (let i = 0; i < waits; i++) if (budget.poll(false) > 0) polled++;
  return polled;
}

describe('a spin budget', () => {
  test('polls while polls catch the other side, longer when the other side parked', () => {
    const budget = new SpinBudget();
    for (let i = 0; i < 100; i++) {
      expect(budget.poll(false)).toBeGreaterThan(0);
      budget.polled(true);
    }
    // Long enough to see a parked side woken (tens of µs through the socket) and answer.
    expect(budget.poll(true)).toBeGreaterThan(budget.poll(false));
    expect(budget.poll(true)).toBeGreaterThanOrEqual(0.1);
  });

  test('stops polling once its polls run out, probing once in 64 waits', () => {
    const budget = new SpinBudget();
    for (let i = 0; i < 100; i++) {
      if (budget.poll(false) > 0) budget.polled(false);
    }
    expect(polls(budget, 640)).toBe(10);
  });

  test('a probe that catches the other side resumes polling at once, however long it missed', () => {
    const budget = new SpinBudget();
    // Misses enough to drive the average far down (probes included).
    for (let i = 0; i < 10_000; i++) {
      if (budget.poll(false) > 0) budget.polled(false);
    }
    let probe = 0;
    while (budget.poll(true) === 0) probe++;
    expect(probe).toBeLessThan(64);
    budget.polled(true);
    expect(polls(budget, 5)).toBe(5);
    // A fluke: the next miss stops it again.
    budget.polled(false);
    expect(budget.poll(false)).toBe(0);
  });
});
