import { describe, expect, test } from 'vitest';
import { SpinBudget } from '../src/spin-budget.js';

/** How many of the next `waits` waits poll (the outcomes not recorded). */
function polls(budget: SpinBudget, waits: number): number {
  let polled = 0;
  for (let i = 0; i < waits; i++) if (budget.poll(false) > 0) polled++;
  return polled;
}

/** The waits until the next poll, which runs out (or catches). */
function nextProbe(budget: SpinBudget, caught = false): number {
  let waits = 1;
  while (budget.poll(false) === 0) waits++;
  budget.polled(caught);
  return waits;
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

  test('stops polling once its polls run out, then probes ever further apart while probes run out', () => {
    const budget = new SpinBudget();
    let polled = 0;
    while (budget.poll(false) > 0) {
      budget.polled(false);
      polled++;
    }
    expect(polled).toBeLessThan(10);
    // The wait that found polling stopped, the waits skipped, and the probe: 64.
    let waits = 2;
    while (budget.poll(false) === 0) waits++;
    budget.polled(false);
    expect(waits).toBe(64);
    expect([1, 2, 3, 4, 5].map(() => nextProbe(budget))).toEqual([128, 256, 512, 1024, 1024]);
  });

  test('a probe that catches the other side resumes polling at once, however long it missed', () => {
    const budget = new SpinBudget();
    for (let i = 0; i < 10_000; i++) {
      if (budget.poll(false) > 0) budget.polled(false);
    }
    expect(nextProbe(budget, true)).toBeLessThanOrEqual(1024);
    expect(polls(budget, 5)).toBe(5);
    // A fluke: the next miss stops it again, and probes start again 64 waits apart.
    budget.polled(false);
    expect(nextProbe(budget)).toBe(64);
  });
});
