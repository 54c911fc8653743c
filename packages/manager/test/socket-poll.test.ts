import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ConcError, TimeoutError } from '@conc/core';
import { Manager } from '@conc/manager';
import { SocketPoll } from '../src/socket-poll.js';

Manager.register('Bomb', { module: new URL('./fixtures/counter.mjs', import.meta.url), export: 'Bomb' });

const clientScript = new URL('./fixtures/sequential-client.mjs', import.meta.url);

/** Runs the sequential client in a process of its own; resolves with it once it printed `line`. */
function sequentialClient(manager: Manager, mode: 'check' | 'loop', line: string): { child: ChildProcess; printed: Promise<void>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [clientScript.pathname, JSON.stringify(manager.address), Buffer.from(manager.authkey).toString('hex'), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const printed = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split('\n').includes(line)) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    void exit.then((code) => reject(new Error(`the client exited (${code}) before printing ${line}: ${err}`)));
  });
  printed.catch(() => {});
  return { child, printed, exit };
}

describe('SocketPoll.read on a real Unix socket', () => {
  let dir: string;
  let server: Server;
  let peer: Socket | undefined;
  let socket: Socket;

  const open = async (): Promise<void> => {
    dir = mkdtempSync(join(tmpdir(), 'conc-poll-'));
    const path = join(dir, 'socket');
    const accepted = new Promise<Socket>((resolve) => {
      server = createServer((s) => resolve(s));
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    socket = connect(path);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    peer = await accepted;
  };

  afterEach(async () => {
    socket.destroy();
    peer?.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Reads until `n` bytes came (the peer's write is on its way through the kernel). */
  const readBytes = async (poll: SocketPoll, n: number): Promise<Buffer> => {
    const got: Buffer[] = [];
    let total = 0;
    const deadline = Date.now() + 5000;
    while (total < n && Date.now() < deadline) {
      const bytes = poll.read();
      expect(bytes).toBeGreaterThanOrEqual(0);
      if (bytes > 0) {
        got.push(Buffer.from(poll.buffer.subarray(0, bytes)));
        total += bytes;
      } else {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    return Buffer.concat(got);
  };

  test('nothing arrived is 0, then the bytes in order, split by the buffer size', async () => {
    await open();
    // Pause the event loop's reads so that only the poll reads.
    socket.pause();
    const poll = new SocketPoll(socket, Buffer.alloc(1000));
    expect(poll.read()).toBe(0);
    const sent = Buffer.from(Array.from({ length: 2500 }, (_, i) => i & 0xff));
    peer!.write(sent);
    expect((await readBytes(poll, 2500)).equals(sent)).toBe(true);
    expect(poll.read()).toBe(0);
  });

  test('an end of file stops the poll and is left to the event loop, which ends the socket', async () => {
    await open();
    const poll = new SocketPoll(socket, Buffer.alloc(64));
    const ended = new Promise<void>((resolve) => socket.once('end', resolve));
    socket.resume();
    peer!.end();
    const deadline = Date.now() + 5000;
    let bytes = 0;
    while ((bytes = poll.read()) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(bytes).toBe(-1);
    await ended;
  });

  test('a destroyed socket or one with bytes buffered in its stream is not polled', async () => {
    await open();
    socket.pause();
    peer!.write('abc');
    // A paused stream still reads into its buffer: those bytes come before anything polled.
    await new Promise<void>((resolve) => socket.once('readable', resolve));
    const poll = new SocketPoll(socket, Buffer.alloc(64));
    expect(socket.readableLength).toBeGreaterThan(0);
    expect(poll.read()).toBe(-1);
    socket.destroy();
    expect(poll.read()).toBe(-1);
  });
});

describe('calls one at a time between processes (the polled path)', () => {
  test('a client process gets every reply right, small and split over reads (the server polls it)', async () => {
    // A thread server: the test's own handle uses a channel, the child is its only socket client.
    await using manager = await Manager.start();
    const { printed, exit } = sequentialClient(manager, 'check', 'ok');
    await printed;
    expect(await exit).toBe(0);
  });

  test('calls to a process server one at a time, with replies split over reads (the client polls)', async () => {
    await using manager = await Manager.start({ kind: 'process' });
    const d = await manager.dict<number | string, number>();
    for (let i = 0; i < 2000; i++) {
      const value = i % 250 === 3 ? 'y'.repeat(150_000) + i : i;
      await d.set(i % 20, value);
      expect(await d.get(i % 20)).toBe(value);
    }
  });

  test('a server that dies while the client calls one at a time fails the calls at once', async () => {
    await using manager = await Manager.start({ kind: 'process' });
    const d = await manager.dict<number, string>();
    const bomb = await manager.create('Bomb');
    expect(await bomb.explode()).toBe('bye');
    let failure: unknown;
    for (let i = 0; failure === undefined; i++) {
      try {
        await d.set('n', i);
      } catch (error) {
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(ConcError);
    // Failed because the server went (its end, or a reset or broken pipe when it died with a
    // call unread), not by a deadline.
    expect(failure).not.toBeInstanceOf(TimeoutError);
    expect((failure as Error).message).toMatch(/shut down or it died|cannot reach the manager server/);
  });

  test('a client process killed while the server polls it does not disturb the server', async () => {
    await using manager = await Manager.start();
    const d = await manager.dict<number, string>();
    const { child, printed, exit } = sequentialClient(manager, 'loop', 'started');
    await printed;
    child.kill('SIGKILL');
    await exit;
    await d.set('after', 1);
    expect(await d.get('after')).toBe(1);
    // Another client process is served as before.
    const again = sequentialClient(manager, 'check', 'ok');
    await again.printed;
    expect(await again.exit).toBe(0);
  });
});
