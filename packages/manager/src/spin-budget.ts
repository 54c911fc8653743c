/**
 * When a side of a shared-memory channel (see channel.ts) polls for the other instead of
 * parking.
 */

/** How long a side polls (ms): longer than the other side takes to answer a call while awake. */
const POLL_MS = 0.05;
/** A side that stopped polling still polls once in this many waits, to see whether it pays again. */
const PROBE_EVERY = 64;

/**
 * Whether a side polls for the other before it parks (and must be woken through the socket, a
 * wake-up that costs both sides 10 to 20 µs of CPU and more in latency). A poll pays when it
 * catches the other side awake and answering within microseconds (a client calling one call at
 * a time, a server answering a dict call); one that runs out burns as much as the wake-up it
 * hoped to save — and on a busy machine it steals the very core the other side waits for. So a
 * side polls while most of its recent polls caught the other side (a moving average), and
 * otherwise only once every {@link PROBE_EVERY} waits.
 * @internal
 */
export class SpinBudget {
  private hits = 1;
  private skipped = 0;

  /** How long to poll now (ms); 0: park at once. */
  get poll(): number {
    if (this.hits >= 0.5) return POLL_MS;
    return ++this.skipped % PROBE_EVERY === 0 ? POLL_MS : 0;
  }

  /** Records a poll's outcome: it caught the other side, or it ran out. */
  polled(caught: boolean): void {
    this.hits += ((caught ? 1 : 0) - this.hits) / 8;
  }
}

/** Polls while `i32[index] === value`, until `until` (a `performance.now()` time); true once it changed. @internal */
export function poll(i32: Int32Array, index: number, value: number, until: number): boolean {
  while (Atomics.load(i32, index) === value) if (performance.now() >= until) return false;
  return true;
}
