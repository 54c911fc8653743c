/**
 * When a side waiting for the other polls instead of parking: either side of a shared-memory
 * channel (see channel.ts), and a socket's reader (see socket-poll.ts).
 */

/** How long a side polls (ms) while the other side is awake: longer than it takes to answer a call. */
const POLL_MS = 0.05;
/** How long a side polls (ms) when the other side parked: longer than a wake-up through the socket and an answer. */
const WAKE_POLL_MS = 0.2;
/** A side that stopped polling still polls once in this many waits, to see whether it pays again. */
const PROBE_EVERY = 64;
/** Probes that keep running out come ever further apart, up to once in this many waits. */
const PROBE_EVERY_MAX = 1024;

/**
 * Whether a side polls for the other before it parks (and must be woken through the socket, a
 * wake-up that costs both sides 10 to 20 µs of CPU and more in latency). A poll pays when it
 * catches the other side answering within microseconds (a client calling one call at a time, a
 * server answering a dict call); one that runs out burns as much as the wake-up it hoped to save
 * — and on a busy machine it steals the very core the other side waits for. So a side polls
 * while most of its recent polls caught the other side (a moving average), and otherwise only
 * probes now and then: once in {@link PROBE_EVERY} waits, twice as far apart after each probe
 * that runs out (up to {@link PROBE_EVERY_MAX}: when no core is free for the other side, every
 * probe does), and a probe that catches the other side resumes polling at once.
 *
 * Calls one at a time are fast only while both sides poll, and a side that parked makes the
 * other's polls run out (its answer comes only after a wake-up), so one side parking would soon
 * park the other for good. So a poll for a side that parked lasts long enough to see it woken
 * and answer: the side that polls stays awake, the parked one then finds it awake and polls
 * too.
 * @internal
 */
export class SpinBudget {
  private hits = 1;
  private skipped = 0;
  private probeEvery = PROBE_EVERY;
  /** The current poll is a probe (polling had stopped). */
  private probing = false;

  /** How long to poll now (ms), given whether the other side parked; 0: park at once. */
  poll(otherParked: boolean): number {
    this.probing = this.hits < 0.5;
    if (this.probing) {
      if (++this.skipped < this.probeEvery) return 0;
      this.skipped = 0;
    }
    return otherParked ? WAKE_POLL_MS : POLL_MS;
  }

  /** Records a poll's outcome: it caught the other side, or it ran out. */
  polled(caught: boolean): void {
    this.hits += ((caught ? 1 : 0) - this.hits) / 8;
    if (caught) {
      // After a long run of misses the average would need several probes in a row to climb back: one is enough.
      if (this.hits < 0.5) this.hits = 0.5;
      this.probeEvery = PROBE_EVERY;
    } else if (this.probing) {
      this.probeEvery = Math.min(this.probeEvery * 2, PROBE_EVERY_MAX);
    }
  }
}

/** Polls while `i32[index] === value`, until `until` (a `performance.now()` time); true once it changed. @internal */
export function poll(i32: Int32Array, index: number, value: number, until: number): boolean {
  while (Atomics.load(i32, index) === value) if (performance.now() >= until) return false;
  return true;
}
