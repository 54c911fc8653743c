import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { expect } from 'vitest';

/**
 * How late a timed call on an object whose holders died may return: its own timeout plus this.
 * Generous, because a loaded CI machine must not fail a test over scheduling; a wedge (the
 * defect these tests look for) is a call that never returns at all.
 */
export const SLACK_MS = 1500;

/** A call that must return (or throw) within `timeout` + {@link SLACK_MS}, whatever it returns. */
export async function timed<T>(timeout: number, call: () => T | Promise<T>): Promise<T> {
  const begin = performance.now();
  try {
    return await call();
  } finally {
    expect(performance.now() - begin).toBeLessThan(timeout + SLACK_MS);
  }
}

/** Runs `body`, returning the `abandoned` trace events published meanwhile (locks taken over from dead holders). */
export async function abandonedDuring(body: () => Promise<void>): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = [];
  const onEvent = (event: unknown): void => {
    if ((event as { type: string }).type === 'abandoned') events.push(event as Record<string, unknown>);
  };
  subscribe('@conc/trace', onEvent);
  try {
    await body();
  } finally {
    unsubscribe('@conc/trace', onEvent);
  }
  return events;
}
