import type { Redis } from 'ioredis';

/**
 * Lets Node exit while `redis` (and every connection duplicated from it, as BullMQ does for
 * its blocking reads) is open: for a pool's own connections, which must not keep a script
 * alive once its tasks are done (the pool holds the process while tasks are unfinished).
 * @internal
 */
export function unrefConnection(redis: Redis): void {
  const unref = (): void => (redis.stream as { unref?: () => void } | undefined)?.unref?.();
  redis.on('connect', unref);
  unref();
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (...args: Parameters<Redis['duplicate']>) => {
    const copy = duplicate(...args);
    unrefConnection(copy);
    return copy;
  };
}
