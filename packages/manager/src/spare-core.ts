import { cpus } from 'node:os';

/** How often the machine's CPU times are read again (ms): a read costs about 0.2 ms. */
const SAMPLE_MS = 250;
/**
 * The first window is shorter (ms): calls one at a time should not wait a quarter second to
 * poll. CPU times count in 10 ms ticks, so it still sees a busy machine as busy.
 */
const FIRST_SAMPLE_MS = 50;
/** How much of a core must be left over for this process to poll (a core's share, 0 to 1). */
const SPARE = 0.8;

let lastAt = -1;
let lastBusy = 0;
let lastOwn = 0;
let spare = false;
let first = true;

/**
 * Whether this process could poll without taking a CPU another process wants: over the last
 * quarter second (50 ms at first), the CPU time everything else used (other processes, the peer of a socket
 * included) left most of a core free.
 *
 * A side that polls instead of sleeping saves the other side a wake-up only when it runs on a
 * core that would otherwise idle: on an idle machine a wake-up costs tens of µs (the virtual
 * CPU halted), and polling costs nobody anything. On a busy one a wake-up is cheap, and a
 * polling side takes CPU time from the peer it waits for, or from its own next call (measured:
 * a process client polling at load 4 on 2 cores was 30% slower than one that slept).
 *
 * This process's own CPU time counts as spare, all of its threads' (Node 20 has no per-thread
 * figure): a server thread may poll while other threads of its process could use the core.
 * The spin budget and the 50 µs bound of each poll limit what that costs them.
 * @internal
 */
export function spareCore(): boolean {
  const now = performance.now();
  if (lastAt >= 0 && now - lastAt < (first ? FIRST_SAMPLE_MS : SAMPLE_MS)) return spare;
  const all = cpus();
  let busy = 0;
  for (const { times } of all) busy += times.user + times.nice + times.sys + times.irq;
  const usage = process.cpuUsage();
  const own = (usage.user + usage.system) / 1000;
  if (lastAt >= 0) {
    const others = (busy - lastBusy - (own - lastOwn)) / (now - lastAt);
    // No CPU times (some containers): no telling, so no polling.
    spare = all.length > 0 && all.length - others >= SPARE;
    first = false;
  }
  lastAt = now;
  lastBusy = busy;
  lastOwn = own;
  return spare;
}
