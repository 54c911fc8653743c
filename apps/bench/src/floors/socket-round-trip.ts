/**
 * The socket floor: a raw Unix-socket round trip between two Node processes — a child writes a
 * small message and waits for the parent's echo before writing the next — in µs per round
 * trip. What a request/reply protocol between processes (a manager's process client) cannot beat.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Contender } from '../workload.js';

/** Options of {@link socketRoundTrip}. */
export interface SocketRoundTripOptions {
  name?: string;
  /** Round trips in a full run (a quick run does a tenth). */
  trips?: number;
}

// The child: connects, warms up, then times `n` round trips of a 32-byte message whose first
// word counts; it checks every echo and prints µs per round trip.
const CHILD = `
const net = require('node:net');
const [path, n] = [process.argv[1], Number(process.argv[2])];
const message = Buffer.alloc(32, 7);
const socket = net.connect(path);
socket.setNoDelay(true);
const warm = Math.min(1000, n);
let i = 0;
let start = 0;
let pending = Buffer.alloc(0);
socket.on('data', (chunk) => {
  pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  if (pending.length < 32) return;
  if (pending.length !== 32 || pending.readUInt32LE(0) !== i) throw new Error('echo ' + i + ' was wrong');
  pending = Buffer.alloc(0);
  i++;
  if (i === warm) start = performance.now();
  if (i === warm + n) {
    console.log(((performance.now() - start) * 1000) / n);
    socket.end();
    return;
  }
  message.writeUInt32LE(i, 0);
  socket.write(message);
});
socket.on('connect', () => {
  message.writeUInt32LE(0, 0);
  socket.write(message);
});
`;

/** A child process and this one bouncing 32 bytes over a Unix socket, in µs per round trip. */
export function socketRoundTrip(options: SocketRoundTripOptions = {}): Contender {
  const { name = 'raw Unix socket round trip', trips = 20_000 } = options;
  return {
    name,
    role: 'floor',
    async run(quick) {
      const n = quick ? Math.ceil(trips / 10) : trips;
      const dir = mkdtempSync(join(tmpdir(), 'conc-bench-'));
      const path = join(dir, 'socket');
      let echoed = 0;
      const server = createServer((socket) => {
        socket.setNoDelay(true);
        socket.on('data', (chunk) => {
          echoed += chunk.length;
          socket.write(chunk);
        });
        socket.on('error', () => {});
      });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(path, resolve);
        });
        const out = await new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, ['-e', CHILD, path, String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`socket child failed (${code}): ${stderr}`))));
        });
        const us = Number(out.trim());
        const warm = Math.min(1000, n);
        if (!Number.isFinite(us) || us <= 0 || echoed !== 32 * (warm + n)) throw new Error(`echoed ${echoed} bytes, expected ${32 * (warm + n)}; child said ${out}`);
        return us;
      } finally {
        await new Promise((resolve) => server.close(resolve));
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
