import { describe, expect, it } from 'vitest';
import { Connection, EOFError, Pipe, StateError, TimeoutError } from '@conc/queue';
import { sleep, start, until } from './threads.js';

describe('Pipe', () => {
  it('duplex: both ends send and receive, in order', async () => {
    const [a, b] = Pipe<unknown>();
    a.send(1);
    a.send({ two: [2] });
    b.send('back');
    expect(await b.recv()).toBe(1);
    expect(b.recvSync()).toEqual({ two: [2] });
    expect(await a.recv()).toBe('back');
    expect(await a.poll()).toBe(false);
  });

  it('one-way: [reader, writer]; the wrong direction is a StateError', async () => {
    const [reader, writer] = Pipe<number>(false);
    writer.send(5);
    expect(await reader.recv()).toBe(5);
    expect(() => reader.send(1)).toThrow(StateError);
    await expect(writer.recv()).rejects.toThrow(StateError);
    expect(() => writer.recvSync()).toThrow(StateError);
    await expect(writer.poll()).rejects.toThrow(StateError);
    expect(reader.readable && !reader.writable && writer.writable && !writer.readable).toBe(true);
  });

  it('recv on an end whose peer closed reads what is left, then EOFError; never a hang', async () => {
    const [a, b] = Pipe<string>();
    a.send('last words');
    a.close();
    expect(a.closed).toBe(true);
    expect(b.closed).toBe(false);
    expect(await b.poll()).toBe(true);
    expect(await b.recv()).toBe('last words');
    expect(await b.poll()).toBe(true);
    await expect(b.recv()).rejects.toThrow(EOFError);
    expect(() => b.recvSync()).toThrow(EOFError);
    expect(() => b.send('anyone?')).toThrow(/other end/);
    // A closed end refuses everything; closing again is fine.
    expect(() => a.send('x')).toThrow(StateError);
    await expect(a.recv()).rejects.toThrow(StateError);
    a.close();
  });

  it('a recv waiting when the peer closes wakes with EOFError', async () => {
    const [a, b] = Pipe<string>();
    const pending = b.recv();
    const pendingPoll = b.poll(Infinity);
    await sleep(20);
    a.close();
    await expect(pending).rejects.toThrow(EOFError);
    expect(await pendingPoll).toBe(true);
  });

  it('closing an end wakes a recv waiting on that same end with a StateError', async () => {
    const [a, b] = Pipe<number>();
    const ready = new Int32Array(new SharedArrayBuffer(4));
    const pending = b.recv().then(() => 'received', (e: Error) => `${e.name}: ${e.message}`);
    const worker = start(({ b, ready }: { b: Connection<number>; ready: Int32Array }) => {
      Atomics.store(ready, 0, 1);
      try {
        b.recvSync();
        return 'received';
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    }, { b, ready });
    await until(() => Atomics.load(ready, 0) === 1);
    await sleep(50);
    b.close();
    expect(await pending).toMatch(/^StateError: .*closed/);
    expect(await worker.result).toMatch(/^StateError: .*closed/);
    expect(() => a.send(1)).toThrow(/other end/);
  });

  it('recv and poll honour timeouts, aborts and bad input', async () => {
    const [a, b] = Pipe<number>();
    await expect(b.recv(10)).rejects.toThrow(TimeoutError);
    expect(() => b.recvSync(10)).toThrow(TimeoutError);
    const before = performance.now();
    expect(await b.poll(30)).toBe(false);
    expect(performance.now() - before).toBeGreaterThanOrEqual(25);
    const controller = new AbortController();
    const pending = b.recv({ signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    a.send(9);
    expect(await b.recv()).toBe(9);
    await expect(b.poll(-1)).rejects.toThrow(RangeError);
    await expect(b.recv('x' as never)).rejects.toThrow(TypeError);
    expect(() => Pipe('yes' as never)).toThrow(TypeError);
    expect(() => a.send((() => 1) as never)).toThrow(/DataCloneError|function/);
  });

  it('works between threads: ping-pong, then EOF when the thread closes its end', async () => {
    const [here, there] = Pipe<number>();
    const worker = start(({ conn }: { conn: Connection<number> }) => {
      for (;;) {
        const x = conn.recvSync();
        if (x < 0) break;
        conn.send(x + 1);
      }
      conn.close();
      return 'closed';
    }, { conn: there });
    let x = 0;
    for (let i = 0; i < 1000; i++) {
      here.send(x);
      x = await here.recv();
    }
    expect(x).toBe(1000);
    here.send(-1);
    expect(await worker.result).toBe('closed');
    await expect(here.recv()).rejects.toThrow(EOFError);
  });

  it('a pipe end travels over another pipe and a thread blocked in recvSync sees EOF', async () => {
    const [carrierA, carrierB] = Pipe<Connection<string>>();
    const [a, b] = Pipe<string>();
    carrierA.send(b);
    const worker = start(({ carrier }: { carrier: Connection<Connection<string>> }) => {
      const conn = carrier.recvSync();
      const got = [conn.recvSync()];
      try {
        conn.recvSync();
      } catch (e) {
        got.push((e as Error).name);
      }
      return got;
    }, { carrier: carrierB });
    a.send('via a pipe');
    await sleep(50);
    a.close();
    expect(await worker.result).toEqual(['via a pipe', 'EOFError']);
  });
});
