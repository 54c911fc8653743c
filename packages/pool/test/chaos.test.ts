// A crash in one worker costs that worker's work, never the program: pool workers terminated
// or out of memory mid-traffic on shared queues, pipes and locks leave them usable.
import { describe, expect, it } from 'vitest';
import { EmptyError, FullError } from '@conc/core';
import { Pool } from '@conc/pool';
import { LifoQueue, Pipe, PriorityQueue, Queue, SimpleQueue, type Connection } from '@conc/queue';
import { Lock } from '@conc/sync';
import { timed } from '@conc/test-kit';


type Shared = { q: Queue<number> | LifoQueue<number> | PriorityQueue<number> | SimpleQueue<number>; lock: Lock };

/** A task: puts and gets without waiting, under and outside the lock, until its worker dies. */
function churn(shared: Shared): Promise<never> {
  return new Promise<never>(() => {
    const step = (): void => {
      for (let i = 0; i < 200; i++) {
        try {
          shared.q.putNowait(i);
        } catch {
          // Full.
        }
        try {
          shared.q.getNowait();
        } catch {
          // Empty.
        }
        if (i % 10 === 0) {
          shared.lock.acquireSync();
          shared.lock.release();
        }
      }
      setImmediate(step);
    };
    step();
  });
}

describe('chaos: a pool terminated or out of memory mid-traffic', () => {
  const kinds = [
    ['Queue(64)', () => new Queue<number>(64)],
    ['SimpleQueue', () => new SimpleQueue<number>()],
    ['LifoQueue(64)', () => new LifoQueue<number>(64)],
    ['PriorityQueue(64)', () => new PriorityQueue<number>(64)],
  ] as const;

  it('thread pools terminated after a random while, 6 rounds per queue kind: put, get, the lock and qsize work on time', async () => {
    for (const [, make] of kinds) {
      for (let round = 0; round < 6; round++) {
        const q = make();
        const lock = new Lock();
        const pool = new Pool(2);
        const tasks = [pool.applyAsync(churn, [{ q, lock }]), pool.applyAsync(churn, [{ q, lock }])];
        for (const t of tasks) t.get().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 130));
        await pool.terminate();
        // The program: after terminate, a timed put and get on the main thread return.
        const size = q.qsize();
        expect(size).toBeGreaterThanOrEqual(0);
        let drained = 0;
        for (;;) {
          try {
            await timed(1000, () => q.get({ timeout: 100 }));
            drained++;
          } catch (error) {
            expect(error).toBeInstanceOf(EmptyError);
            break;
          }
        }
        expect(drained).toBe(size);
        await timed(1000, () => q.put(7, { timeout: 1000 } as never));
        expect(await timed(1000, () => q.get({ timeout: 1000 }))).toBe(7);
        q.putNowait(8);
        expect(q.getNowait()).toBe(8);
        expect(await timed(1000, () => lock.acquire({ timeout: 1000 }))).toBe(true);
        lock.release();
      }
    }
  });

  it('a full queue after terminate: a timed put honours its timeout (FullError), a get then makes room', async () => {
    const q = new Queue<number>(4);
    const lock = new Lock();
    const pool = new Pool(2);
    const fill = (s: { q: Queue<number> }): Promise<never> => new Promise<never>(() => {
      const step = (): void => {
        for (let i = 0; i < 100; i++) {
          try {
            s.q.putNowait(i);
          } catch {
            // Full.
          }
        }
        setImmediate(step);
      };
      step();
    });
    pool.applyAsync(fill, [{ q, lock }]).get().catch(() => {});
    pool.applyAsync(fill, [{ q, lock }]).get().catch(() => {});
    // Full, with the workers still trying to put (often holding the put lock) when they die.
    const until = Date.now() + 30_000;
    while (!q.full() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await pool.terminate();
    await expect(timed(200, () => q.put(1, { timeout: 200 } as never))).rejects.toBeInstanceOf(FullError);
    expect(() => q.putSync(1, 0)).toThrow(FullError);
    expect(q.qsize()).toBe(4);
    await timed(1000, () => q.get({ timeout: 1000 }));
    await timed(1000, () => q.put(1, { timeout: 1000 } as never));
    expect(q.qsize()).toBe(4);
  });

  it('a Pipe between two thread pools terminated mid-traffic still carries values both ways, 6 rounds', async () => {
    for (let round = 0; round < 6; round++) {
      const [a, b] = Pipe<number>();
      const pool = new Pool(2);
      const talk = (end: Connection<number>): Promise<never> => new Promise<never>(() => {
        const step = (): void => {
          for (let i = 0; i < 100; i++) {
            end.send(i);
            try {
              end.recvSync(0);
            } catch {
              // Nothing yet.
            }
          }
          setImmediate(step);
        };
        step();
      });
      pool.applyAsync(talk, [a]).get().catch(() => {});
      pool.applyAsync(talk, [b]).get().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 100));
      await pool.terminate();
      for (const [from, to] of [[a, b], [b, a]] as const) {
        while (await timed(1000, () => to.poll(0))) await timed(1000, () => to.recv({ timeout: 1000 }));
        from.send(-1);
        expect(await timed(1000, () => to.recv({ timeout: 1000 }))).toBe(-1);
      }
    }
  });

  it('a task running out of memory (resourceLimits) while holding a Lock: the lock is taken over, 4 rounds', async () => {
    for (let round = 0; round < 4; round++) {
      const lock = new Lock();
      const pool = new Pool({ processes: 1, resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 } });
      const hog = pool.applyAsync((l: Lock) => {
        l.acquireSync();
        const keep: number[][] = [];
        for (;;) keep.push(new Array(100_000).fill(1));
      }, [lock]);
      await expect(hog.get()).rejects.toThrow(/memory/);
      expect(await timed(1000, () => lock.acquire({ timeout: 1000 }))).toBe(true);
      lock.release();
      await pool.terminate();
    }
  });

  it('a process pool terminated while its tasks hold a Lock and use a Queue (through the broker), 4 rounds', async () => {
    for (let round = 0; round < 4; round++) {
      const q = new Queue<number>(64);
      const lock = new Lock();
      const pool = new Pool({ processes: 2, kind: 'process' });
      const work = async (s: { q: Queue<number>; lock: Lock }): Promise<void> => {
        for (let i = 0; ; i++) {
          await s.lock.acquire();
          try {
            s.q.putNowait(i);
          } catch {
            // Full.
          }
          s.lock.release();
          try {
            s.q.getNowait();
          } catch {
            // Empty.
          }
        }
      };
      pool.applyAsync(work, [{ q, lock }]).get().catch(() => {});
      pool.applyAsync(work, [{ q, lock }]).get().catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 300));
      await pool.terminate();
      expect(await timed(1000, () => lock.acquire({ timeout: 1000 }))).toBe(true);
      lock.release();
      const size = q.qsize();
      let drained = 0;
      while (drained < size) {
        await timed(1000, () => q.get({ timeout: 1000 }));
        drained++;
      }
      await timed(1000, () => q.put(1, { timeout: 1000 } as never));
      expect(q.qsize()).toBe(1);
    }
  });
});
