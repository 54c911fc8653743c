// The entry of a program's child process: `node src/launch.mjs <program.ts>`.
//
// It loads TypeScript through tsx's API in this thread only, rather than with
// `node --import tsx`: threads and processes that the program starts inherit the command-line
// options, and loading tsx in each of them would add a second or more to every start
// (their targets are shipped as JavaScript source and need no TypeScript loader).
//
// With CONC_PLAYGROUND_TRACE_FD set (the web page's runs), it first subscribes to the
// '@conc/trace' channel and writes every event, one JSON line each, to that file descriptor;
// subscribing is also what makes @conc/process forward the events of threads and child
// processes here. Then it imports the program, which runs as if started directly.
// (Plain JavaScript: it is what loads the TypeScript loader.)
import { subscribe } from 'node:diagnostics_channel';
import { writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';
import { threadIdentity } from '@conc/core/internal';

/** Past this many events a run's trace keeps only what shapes the lanes (a tight loop of lock operations would flood the page). */
const MAX_EVENTS = 20_000;
const structural = new Set(['begin', 'end', 'start', 'exit', 'label']);

const program = process.argv[2];
if (!program) {
  console.error('usage: launch.mjs <program.ts>');
  process.exit(2);
}
// The program sees itself as the script being run.
process.argv.splice(1, 1);

const traceFd = Number(process.env.CONC_PLAYGROUND_TRACE_FD ?? NaN);
// Children started by the program (processes, pool and manager workers) inherit the
// environment: they must not write to a descriptor that is not theirs.
delete process.env.CONC_PLAYGROUND_TRACE_FD;
if (Number.isInteger(traceFd)) startTracing(traceFd);

register();
await import(pathToFileURL(program).href);

function startTracing(fd) {
  let pending = [];
  let sent = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const bytes = Buffer.from(pending.join(''));
    pending = [];
    writeAll(fd, bytes);
  };
  const record = (event) => {
    if (sent >= MAX_EVENTS && !structural.has(event?.type)) {
      if (sent++ === MAX_EVENTS) pending.push(line({ type: 'truncated', kind: 'Program', id: 0, thread: threadIdentity(), at: now(), limit: MAX_EVENTS }));
      return;
    }
    if (sent < MAX_EVENTS) sent++;
    pending.push(line(event));
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

function line(event) {
  return `${JSON.stringify(event, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))}\n`;
}

function now() {
  return performance.timeOrigin + performance.now();
}

// The descriptor may be non-blocking: retry until the server has taken every byte.
function writeAll(fd, bytes) {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if (error.code !== 'EAGAIN') return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
