/**
 * The entry of a program's child process: `node --import tsx src/launch.ts <program.ts>`.
 *
 * With `CONC_PLAYGROUND_TRACE_FD` set (the web page's runs), it first subscribes to the
 * '@conc/trace' channel and writes every event, one JSON line each, to that file descriptor;
 * subscribing is also what makes @conc/process forward the events of threads and child
 * processes here. Then it imports the program, which runs as if started directly.
 */
import { subscribe } from 'node:diagnostics_channel';
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { threadIdentity } from '@conc/core/internal';

/** Past this many events a run's trace is cut (a tight loop of lock operations would flood the page). */
export const MAX_EVENTS = 20_000;

const program = process.argv[2];
if (!program) {
  console.error('usage: launch.ts <program.ts>');
  process.exit(2);
}
// The program sees itself as the script being run.
process.argv.splice(1, 1);

const traceFd = Number(process.env['CONC_PLAYGROUND_TRACE_FD'] ?? NaN);
// Children started by the program (processes, pool and manager workers) inherit the
// environment: they must not write to a descriptor that is not theirs.
delete process.env['CONC_PLAYGROUND_TRACE_FD'];
if (Number.isInteger(traceFd)) startTracing(traceFd);

await import(pathToFileURL(program).href);

function startTracing(fd: number): void {
  let pending: string[] = [];
  let sent = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    const bytes = Buffer.from(pending.join(''));
    pending = [];
    writeAll(fd, bytes);
  };
  const record = (event: unknown): void => {
    if (sent > MAX_EVENTS) return;
    sent++;
    const line = sent > MAX_EVENTS
      ? { type: 'truncated', kind: 'Program', id: 0, thread: threadIdentity(), at: now(), limit: MAX_EVENTS }
      : event;
    pending.push(`${JSON.stringify(line, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`);
  };
  subscribe('@conc/trace', record);
  record({ type: 'begin', kind: 'Program', id: 0, thread: threadIdentity(), at: now(), name: 'MainThread', pid: process.pid });
  flush();
  setInterval(flush, 20).unref();
  process.on('exit', (code) => {
    record({ type: 'end', kind: 'Program', id: 0, thread: threadIdentity(), at: now(), code });
    flush();
  });
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

// The descriptor may be non-blocking: retry until the server has taken every byte.
function writeAll(fd: number, bytes: Buffer): void {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
