/**
 * @conc/redis's Manager against raw ioredis on the same redis-server: what our proxies add to
 * a Redis round trip. One call at a time (each awaited before the next), so the figure is the
 * round trip plus our work around it. A redis-server is started on a free loopback port
 * inside the workload (once per bench run); without redis-server the contenders are skipped.
 */
import { Manager } from '@conc/manager';
import { RedisBackend } from '@conc/redis';
import { Redis } from 'ioredis';
import { redisMissing as missing, redisUrl } from '../redis-server.js';
import type { Contender, Workload } from '../workload.js';

const ops = (quick: boolean): number => (quick ? 2_000 : 10_000);

const oursDict: Contender = {
  name: '@conc/redis Manager dict set/get',
  role: 'ours',
  unavailable: missing,
  async run(quick) {
    const backend = new RedisBackend({ url: await redisUrl(), prefix: 'bench' });
    try {
      const manager = await Manager.connect({ backend });
      const d = await manager.dict<number, number>();
      const n = ops(quick);
      for (let i = 0; i < 3000; i++) await d.set(i % 100, i);
      let bad = 0;
      const start = performance.now();
      for (let i = 0; i < n; i += 2) {
        const key = i % 100;
        await d.set(key, i);
        if ((await d.get(key)) !== i) bad++;
      }
      const seconds = (performance.now() - start) / 1000;
      if (bad !== 0) throw new Error(`${bad} wrong values`);
      await manager.close();
      return n / seconds;
    } finally {
      await backend.close();
    }
  },
};

const rawDict: Contender = {
  name: 'raw ioredis HSET/HGET',
  role: 'floor',
  unavailable: missing,
  async run(quick) {
    const redis = new Redis(await redisUrl());
    try {
      const n = ops(quick);
      for (let i = 0; i < 3000; i++) await redis.hset('bench:raw-dict', String(i % 100), String(i));
      let bad = 0;
      const start = performance.now();
      for (let i = 0; i < n; i += 2) {
        const key = String(i % 100);
        await redis.hset('bench:raw-dict', key, String(i));
        if (Number(await redis.hget('bench:raw-dict', key)) !== i) bad++;
      }
      const seconds = (performance.now() - start) / 1000;
      if (bad !== 0) throw new Error(`${bad} wrong values`);
      return n / seconds;
    } finally {
      redis.disconnect();
    }
  },
};

const oursLock: Contender = {
  name: '@conc/redis Manager lock acquire+release',
  role: 'ours',
  unavailable: missing,
  async run(quick) {
    const backend = new RedisBackend({ url: await redisUrl(), prefix: 'bench' });
    try {
      const manager = await Manager.connect({ backend });
      const lock = await manager.lock();
      const n = ops(quick) / 2;
      for (let i = 0; i < 200; i++) {
        await lock.acquire();
        await lock.release();
      }
      let last = 0;
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        await lock.acquire();
        if (!(lock.fencingToken! > last)) throw new Error('fencing token did not grow');
        last = lock.fencingToken!;
        await lock.release();
      }
      const seconds = (performance.now() - start) / 1000;
      if (await lock.locked()) throw new Error('still locked');
      await manager.close();
      return n / seconds;
    } finally {
      await backend.close();
    }
  },
};

// The textbook single-instance Redis lock: SET key token NX PX, release by a compare-and-delete script.
const rawLock: Contender = {
  name: 'raw ioredis SET NX PX + Lua release',
  role: 'floor',
  unavailable: missing,
  async run(quick) {
    const redis = new Redis(await redisUrl());
    redis.defineCommand('unlock', {
      numberOfKeys: 1,
      lua: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`,
    });
    const unlock = (redis as unknown as { unlock(key: string, token: string): Promise<number> }).unlock.bind(redis);
    try {
      const n = ops(quick) / 2;
      const acquireRelease = async (i: number): Promise<void> => {
        const token = String(i);
        if ((await redis.set('bench:raw-lock', token, 'PX', 30_000, 'NX')) !== 'OK') throw new Error('not acquired');
        if ((await unlock('bench:raw-lock', token)) !== 1) throw new Error('not released');
      };
      for (let i = 0; i < 200; i++) await acquireRelease(i);
      const start = performance.now();
      for (let i = 0; i < n; i++) await acquireRelease(i);
      return n / ((performance.now() - start) / 1000);
    } finally {
      redis.disconnect();
    }
  },
};

export const workloads: Workload[] = [
  {
    id: 'redis/manager-dict',
    title: 'Redis-backed Manager dict set/get, one call at a time',
    unit: 'ops/s',
    better: 'higher',
    contenders: [oursDict, rawDict],
    targets: [{ against: 'raw ioredis HSET/HGET', ratio: 0.8, note: 'at least 0.8x a raw round trip' }],
  },
  {
    id: 'redis/manager-lock',
    title: 'Redis-backed Manager Lock acquire+release, one at a time',
    unit: 'ops/s',
    better: 'higher',
    contenders: [oursLock, rawLock],
    targets: [{ against: 'raw ioredis SET NX PX', ratio: 0.5, note: 'at least 0.5x raw SET NX PX + Lua release' }],
  },
];
