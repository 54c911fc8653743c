/**
 * CPython peers: run a `python3 -c` snippet that checks its own results (with `assert`) and
 * prints its figure as the last line of its output.
 */
import { execFile, spawnSync } from 'node:child_process';
import type { Contender } from './workload.js';

let availability: { note: string | undefined; version: string | undefined } | undefined;

/**
 * Why CPython cannot run here, or `undefined` when `python3` works. Checked once.
 *
 * @returns A note for the table (`python3 not found`), or `undefined`.
 */
export function pythonUnavailable(): string | undefined {
  return probe().note;
}

function probe(): NonNullable<typeof availability> {
  if (!availability) {
    const run = spawnSync('python3', ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8' });
    const failed = Boolean(run.error) || run.status !== 0;
    availability = {
      note: failed ? `python3 not found (${run.error?.message ?? run.stderr.trim()})` : undefined,
      version: failed ? undefined : run.stdout.trim(),
    };
  }
  return availability;
}

/** The `python3` version, e.g. `'3.11.7'`, or `undefined` when there is none. */
export function pythonVersion(): string | undefined {
  return probe().version;
}

/**
 * Runs `script` with `python3 -c` and returns the number on the last line it prints.
 *
 * @param script - Python source; it asserts its results and prints its figure last.
 * @param timeoutMs - Kills the interpreter after this long.
 * @returns The figure.
 * @throws Error when python3 exits non-zero (a failed `assert`), times out, or prints no number.
 */
export function runPython(script: string, timeoutMs = 120_000): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('python3', ['-c', script], { timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`python3 failed: ${stderr.trim() || error.message}`));
        return;
      }
      const last = stdout.trim().split('\n').pop() ?? '';
      const figure = Number(last);
      if (last === '' || !Number.isFinite(figure)) reject(new Error(`python3 printed no figure: ${JSON.stringify(last)}`));
      else resolve(figure);
    });
  });
}

/**
 * A CPython peer: runs `script(quick)` through {@link runPython}; skipped with a note where
 * `python3` is missing. The interpreter's start-up is outside the figure when the script
 * times itself (`time.perf_counter()` around the work), as it should.
 *
 * @param name - The table name, e.g. `'CPython threading.Lock'`.
 * @param script - Builds the Python source for a quick or a full run.
 * @returns A contender with role `peer`.
 */
export function pythonContender(name: string, script: (quick: boolean) => string): Contender {
  return {
    name,
    role: 'peer',
    unavailable: pythonUnavailable,
    run: (quick) => runPython(script(quick)),
  };
}
