import { describe, expect, it } from 'vitest';
import { Process, Thread } from '@conc/process';
import { Connection, EOFError, Pipe, Queue, SimpleQueue } from '@conc/queue';

describe('between processes (through the broker) and Threads', () => {
  it('two child processes produce, the parent and a Thread consume; join counts taskDone from everywhere', async () => {
    const q = new Queue<[number, number]>(8);
    const results = new SimpleQueue<number>();
    const producers = [0, 1].map((p) => new Process({
      target: async (q: Queue<[number, number]>, p: number) => {
        for (let i = 0; i < 50; i++) {
          if (i % 2) q.putSync([p, i]);
          else await q.put([p, i]);
        }
      },
      args: [q, p],
    }));
    for (const p of producers) p.start();
    const consumer = new Thread({
      target: (q: Queue<[number, number]>, results: SimpleQueue<number>) => {
        let sum = 0;
        for (let k = 0; k < 50; k++) {
          const [, i] = q.getSync();
          sum += i;
          q.taskDone();
        }
        results.putNowait(sum);
      },
      args: [q, results],
    });
    consumer.start();
    let sum = 0;
    for (let k = 0; k < 50; k++) {
      const [, i] = await q.get();
      sum += i;
      q.taskDone();
    }
    expect(await q.join(60_000)).toBe(true);
    await Promise.all(producers.map((p) => p.join()));
    await consumer.join();
    expect(producers.map((p) => p.exitCode)).toEqual([0, 0]);
    expect(consumer.exception).toBeUndefined();
    expect(sum + (await results.get(10_000))).toBe(2 * ((49 * 50) / 2));
  });

  it('a child process consumes with getSync, taskDone and the nowait errors', async () => {
    const q = new Queue<string>(2);
    const p = new Process({
      target: (q: Queue<string>) => {
        const got: string[] = [];
        for (;;) {
          const item = q.getSync();
          q.taskDone();
          if (item === 'stop') break;
          got.push(item);
        }
        try {
          q.getNowait();
        } catch (e) {
          got.push((e as Error).name);
        }
        if (got.join(',') !== 'a,b,c,EmptyError') throw new Error(`child got ${got.join(',')}`);
      },
      args: [q],
    });
    p.start();
    for (const item of ['a', 'b', 'c', 'stop']) await q.put(item);
    expect(await q.join(60_000)).toBe(true);
    await p.join();
    expect(p.exception).toBeUndefined();
    expect(p.exitCode).toBe(0);
  });

  it('Pipe between processes: ping-pong, then EOF each way', async () => {
    const [here, there] = Pipe<number>();
    const p = new Process({
      target: async (conn: Connection<number>) => {
        for (;;) {
          const x = conn.recvSync();
          if (x < 0) break;
          conn.send(x * 2);
        }
        conn.close();
      },
      args: [there],
    });
    p.start();
    for (let i = 1; i <= 20; i++) {
      here.send(i);
      expect(await here.recv(30_000)).toBe(2 * i);
    }
    here.send(-1);
    await expect(here.recv(30_000)).rejects.toThrow(EOFError);
    await p.join();
    expect(p.exitCode).toBe(0);

    const [reader, writer] = Pipe<string>(false);
    const q = new Process({
      target: (conn: Connection<string>) => {
        const got = [conn.recvSync()];
        try {
          conn.recvSync();
        } catch (e) {
          got.push((e as Error).name);
        }
        if (got.join(',') !== 'bye,EOFError') throw new Error(`child got ${got.join(',')}`);
      },
      args: [reader],
    });
    q.start();
    writer.send('bye');
    writer.close();
    await q.join();
    expect(q.exception).toBeUndefined();
    expect(q.exitCode).toBe(0);
  });
});
