import { createHmac, randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { AuthenticationError, ConcError, Manager } from '@conc/manager';
import { within } from './helpers.js';

// The handshake re-implemented here from its description (not imported), so the tests also
// pin the wire format.
const MAGIC = Buffer.from('CONCMGR1', 'latin1');
const hmac = (key: Buffer, role: string, nonce: Buffer): Buffer => createHmac('sha256', key).update(role).update(nonce).digest();

function connectRaw(address: Manager['address']): Socket {
  return 'path' in address ? createConnection({ path: address.path }) : createConnection(address);
}

/** Reads exactly `n` bytes, or resolves what arrived when the socket closes. */
function read(socket: Socket, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= n) finish();
    };
    const finish = (): void => {
      socket.off('data', onData);
      socket.off('close', finish);
      resolve(got);
    };
    socket.on('data', onData);
    socket.once('close', finish);
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

/** A raw client that passes the handshake, ready to send hand-made frames. */
async function authenticated(manager: Manager): Promise<Socket> {
  const socket = connectRaw(manager.address);
  socket.on('error', () => {});
  const hello = await read(socket, MAGIC.length + 32);
  expect(hello.subarray(0, 8).equals(MAGIC)).toBe(true);
  const key = Buffer.from(manager.authkey);
  const nonce = randomBytes(32);
  socket.write(Buffer.concat([hmac(key, 'client', hello.subarray(8)), nonce, randomBytes(16)]));
  const reply = await read(socket, 33);
  expect(reply[0]).toBe(1);
  expect(reply.subarray(1).equals(hmac(key, 'server', nonce))).toBe(true);
  return socket;
}

let manager: Manager;
beforeAll(async () => {
  manager = await Manager.start({ authkey: 'secret' });
});
afterAll(async () => {
  await manager.shutdown();
});

async function stillServes(): Promise<void> {
  const d = await manager.dict({ ok: true });
  expect(await d.get('ok')).toBe(true);
}

describe('authentication', () => {
  test('a wrong authkey is an AuthenticationError; the server goes on', async () => {
    await expect(Manager.connect({ address: manager.address, authkey: 'wrong' })).rejects.toThrow(AuthenticationError);
    const good = await Manager.connect({ address: manager.address, authkey: 'secret' });
    expect(await (await good.list([1])).len()).toBe(1);
    await good.close();
    await stillServes();
  });

  test('garbage instead of the handshake: refused and closed, nothing decoded', async () => {
    const socket = connectRaw(manager.address);
    socket.on('error', () => {});
    await read(socket, 40);
    // A well-formed request frame sent in place of the digest is just a wrong digest.
    socket.write(Buffer.alloc(80, 0xff));
    const answer = await read(socket, 1);
    expect(answer[0]).toBe(0);
    await within(closed(socket), 10_000, 'the refused socket');
    await stillServes();
  });

  test('one try per connection: a second digest after a wrong one is not even read', async () => {
    const socket = connectRaw(manager.address);
    socket.on('error', () => {});
    const hello = await read(socket, 40);
    const right = Buffer.concat([hmac(Buffer.from('secret'), 'client', hello.subarray(8)), randomBytes(48)]);
    const d = await manager.dict();
    // request: id 1, target d.id, 'set', 2 args: string 'hacked', int32 1
    const body = Buffer.concat([
      Buffer.from([1, 0, 0, 0]), Buffer.from(Int32Array.of(d.id).buffer), Buffer.from([3]), Buffer.from('set'), Buffer.from([2]),
      Buffer.from([6, 6, 0, 0, 0]), Buffer.from('hacked'), Buffer.from([4, 1, 0, 0, 0]),
    ]);
    const frame = Buffer.concat([Buffer.from(Uint32Array.of(body.length).buffer), body]);
    // A wrong answer, then at once the right one and a call: refused, nothing more read or run.
    const everything = read(socket, 1 + 33);
    socket.write(Buffer.alloc(80, 1));
    socket.once('data', () => socket.write(Buffer.concat([right, frame])));
    const answer = await within(everything, 10_000, 'the refused socket');
    expect([...answer]).toEqual([0]);
    expect(await d.has('hacked')).toBe(false);
  });

  test('the client checks the server too: a server without the key is refused', async () => {
    const fake = createServer((socket) => {
      socket.write(Buffer.concat([MAGIC, randomBytes(32)]));
      socket.once('data', () => socket.write(Buffer.concat([Buffer.from([1]), randomBytes(32)])));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const port = (fake.address() as { port: number }).port;
    await expect(Manager.connect({ address: { host: '127.0.0.1', port }, authkey: 'secret' })).rejects.toThrow(/could not prove/);
    await new Promise((resolve) => fake.close(resolve));
  });

  test('a Unix socket is owner-only', () => {
    expect('path' in manager.address).toBe(true);
    const path = (manager.address as { path: string }).path;
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
  });
});

describe('malformed frames close that connection only', () => {
  test('an oversized frame', async () => {
    const socket = await authenticated(manager);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(0xffff_fff0, 0);
    socket.write(header);
    await within(closed(socket), 10_000, 'the oversized-frame socket');
    await stillServes();
  });

  test('garbage inside a frame', async () => {
    const socket = await authenticated(manager);
    const body = randomBytes(64);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(body.length, 0);
    socket.write(Buffer.concat([header, body]));
    await within(closed(socket), 10_000, 'the garbage-frame socket');
    await stillServes();
  });

  test('a truncated request and an unknown tag', async () => {
    for (const body of [
      Buffer.from([1, 0, 0, 0, 0, 0]), // id, then half a target
      Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 3]), Buffer.from('len'), Buffer.from([1, 99])]), // tag 99
    ]) {
      const socket = await authenticated(manager);
      const header = Buffer.alloc(4);
      header.writeUInt32LE(body.length, 0);
      socket.write(Buffer.concat([header, body]));
      await within(closed(socket), 10_000, 'the truncated-frame socket');
    }
    await stillServes();
  });

  test('a well-formed call on a hand-made connection works (the format is as documented)', async () => {
    const d = await manager.dict({ k: 5 });
    const socket = await authenticated(manager);
    // request: id 7, target d.id, method 'get', 1 arg: string 'k'
    const body = Buffer.concat([
      Buffer.from([7, 0, 0, 0]), Buffer.from(Int32Array.of(d.id).buffer), Buffer.from([3]), Buffer.from('get'), Buffer.from([1]),
      Buffer.from([6, 1, 0, 0, 0]), Buffer.from('k'),
    ]);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(body.length, 0);
    socket.write(Buffer.concat([header, body]));
    const reply = await read(socket, 4 + 4 + 1 + 5);
    // length 10, id 7, status 0, int32 tag 4, value 5
    expect([...reply]).toEqual([10, 0, 0, 0, 7, 0, 0, 0, 0, 4, 5, 0, 0, 0]);
    socket.destroy();
  });
});

describe('bad options', () => {
  test('an unreachable address, register and create of an unknown type are refused', async () => {
    await expect(Manager.connect({ address: { path: '/nonexistent/socket' }, authkey: 'x' })).rejects.toThrow(ConcError);
    expect(() => Manager.register('dict', { module: 'x' })).toThrow(TypeError);
    expect(() => Manager.register('Thing', (() => 1) as never)).toThrow(TypeError);
    await expect(manager.create('NotRegistered')).rejects.toThrow(/no type 'NotRegistered'/);
  });
});
