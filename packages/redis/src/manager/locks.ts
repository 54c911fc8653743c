import { randomUUID } from 'node:crypto';
import { StateError } from '@conc/core';
import { typeName } from '@conc/core/internal';
import { RedisObject, type CallWait } from './object.js';
import { threadOwner, type RedisSession } from './session.js';

/** What this thread holds: a lock's token or a permit's id, renewed until released or lost. */
interface Lease {
  readonly id: string;
  timer: ReturnType<typeof setTimeout> | undefined;
}

// A lease found lost stays recorded (not renewed): the thread's later release then names it
// and is refused, instead of releasing whoever holds the lock now.

// Per thread (module state is per thread): what this thread holds, by the object's key. A
// release from the thread that acquired checks its own token, so a holder whose lease ran
// out cannot release the next holder's lock.
const heldLocks = new Map<string, Lease>();
const heldPermits = new Map<string, Lease[]>();

/** Renews `lease` every third of `ms` until `renew` says it is lost or it is dropped. */
function keepRenewing(session: RedisSession, lease: Lease, ms: number, renew: () => Promise<boolean>, lost: () => void): void {
  const tick = (): void => {
    lease.timer = setTimeout(() => {
      renew().then((held) => {
        if (lease.timer === undefined) return;
        if (held) tick();
        else lost();
      }, () => {
        // Redis unreachable: try again (the lease runs out in Redis if this never succeeds),
        // unless this session is closed for good.
        if (lease.timer !== undefined && !session.closed && session.redis.status !== 'end') tick();
      });
    }, Math.max(5, Math.floor(ms / 3)));
    // A held lock does not keep the program alive (Python's does not either).
    lease.timer.unref();
  };
  tick();
}

function drop(lease: Lease | undefined): void {
  if (!lease) return;
  clearTimeout(lease.timer);
  lease.timer = undefined;
}

/** A Lock or RLock in Redis: a hash {owner, count, token} that expires with its lease. @internal */
export class RedisLock extends RedisObject {
  get #reentrant(): '1' | '0' {
    return this.ref.typeid === 'rlock' ? '1' : '0';
  }

  get #lease(): number {
    return this.ref.params['lease'] as number;
  }

  protected run(method: string, args: unknown[], wait: CallWait | undefined): Promise<unknown> {
    switch (method) {
      case 'acquire': return this.acquire(this.deadline(wait), wait?.signal, 1).then((token) => {
        if (token === undefined) return false;
        (this.proxy as unknown as { _fencingToken: number })._fencingToken = token;
        return true;
      });
      case 'release': return this.release(false).then(() => undefined);
      case 'locked': return this.redis<number>((r) => r.exists(this.key('lock'))).then((n) => n === 1);
      default: return this.unknown(method);
    }
  }

  /**
   * Acquires `count` levels; resolves the fencing token, or `undefined` on timeout. An abort
   * that came while the winning try was on its way gives the lock back: nothing is consumed.
   */
  async acquire(deadline: number, signal: AbortSignal | undefined, count: number): Promise<number | undefined> {
    const token = await this.#acquire(deadline, signal, count);
    if (token !== undefined && signal?.aborted) {
      await this.release(false);
      throw signal.reason;
    }
    return token;
  }

  #acquire(deadline: number, signal: AbortSignal | undefined, count: number): Promise<number | undefined> {
    const key = this.key('lock');
    return this.session.waitFor(this.channel, async (by) => {
      const [got, value] = await this.session.run<[number, number]>((r) => r.concLockAcquire(key, this.key('fence'), this.#lease, threadOwner, this.#reentrant, count) as Promise<[number, number]>, by);
      if (got !== 1) return { done: false, retryIn: value > 0 ? value + 1 : undefined };
      // A re-entrant acquire keeps its hold (same token); any other is a new hold.
      const existing = heldLocks.get(key);
      if (existing?.id !== String(value)) {
        drop(existing);
        this.#hold(key, value);
      }
      return { done: true, value };
    }, deadline, signal);
  }

  #hold(key: string, token: number): void {
    const lease: Lease = { id: String(token), timer: undefined };
    heldLocks.set(key, lease);
    const session: RedisSession = this.session;
    keepRenewing(session, lease, this.#lease, async () => (await session.run((r) => r.concLockRenew(key, lease.id, this.#lease))) === 1, () => drop(lease));
  }

  /**
   * Releases one level (or every level, for `Condition.wait`); resolves the levels it had when
   * it became free, 0 when an RLock is still held.
   */
  async release(all: boolean): Promise<number> {
    const key = this.key('lock');
    const lease = heldLocks.get(key);
    try {
      const left = await this.session.run<number>((r) => r.concLockRelease(key, lease?.id ?? '', threadOwner, this.#reentrant, this.channel, all ? '1' : '0') as Promise<number>);
      if (left > 0) this.#forget(key, lease);
      return left;
    } catch (error) {
      // A lease that ran out is gone for good.
      if (error instanceof StateError && lease) this.#forget(key, lease);
      throw error;
    }
  }

  #forget(key: string, lease: Lease | undefined): void {
    const current = heldLocks.get(key);
    if (current && (lease === undefined || current === lease)) {
      heldLocks.delete(key);
      drop(current);
    }
  }

  /** Whether this thread holds it (as far as this thread knows: its lease may have run out). */
  heldHere(): boolean {
    return heldLocks.has(this.key('lock'));
  }
}

/**
 * A Semaphore in Redis (Redisson's PermitExpirableSemaphore): a count of free permits and a
 * ZSET of held permit ids scored by when their lease runs out, so a dead holder's permits come
 * back. @internal
 */
export class RedisSemaphore extends RedisObject {
  protected run(method: string, args: unknown[], wait: CallWait | undefined): Promise<unknown> {
    const free = this.key('free');
    const permits = this.key('permits');
    const lease = this.ref.params['lease'] as number;
    switch (method) {
      case 'acquire': {
        const id = randomUUID();
        return this.session.waitFor(this.channel, async (by) => {
          const [got, value] = await this.session.run<[number, number]>((r) => r.concSemAcquire(free, permits, this.key('fence'), id, lease) as Promise<[number, number]>, by);
          if (got !== 1) return { done: false, retryIn: value >= 0 ? value + 1 : undefined };
          this.#hold(permits, id, lease);
          return { done: true, value };
        }, this.deadline(wait), wait?.signal).then(async (token) => {
          if (token === undefined) return false;
          // An abort that came while the winning try was on its way: give the permit back.
          if (wait?.signal?.aborted) {
            await this.run('release', [1], undefined);
            throw wait.signal.reason;
          }
          (this.proxy as unknown as { _fencingToken: number })._fencingToken = token;
          return true;
        });
      }
      case 'release': {
        const n = args[0];
        if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`${this.what(method)}: n must be an integer, got ${typeName(n)}`);
        if (n < 1) throw new RangeError(`${this.what(method)}: n must be >= 1, got ${n}`);
        const mine = heldPermits.get(permits) ?? [];
        const giving = mine.slice(-n);
        const bounded = this.ref.typeid === 'boundedSemaphore' ? '1' : '0';
        const forget = (): void => {
          for (const lease of giving) {
            drop(lease);
            mine.splice(mine.indexOf(lease), 1);
          }
          if (mine.length === 0) heldPermits.delete(permits);
        };
        return this.redis((r) => r.concSemRelease(free, permits, n, bounded, this.ref.params['n'] as number, this.channel, ...giving.map((l) => l.id))).then(() => forget(), (error: unknown) => {
          if (error instanceof StateError && error.message.includes('lease')) forget();
          throw error;
        });
      }
      case 'value': return this.redis((r) => r.concSemValue(free, permits));
      default: return this.unknown(method);
    }
  }

  #hold(permits: string, id: string, ms: number): void {
    const lease: Lease = { id, timer: undefined };
    let mine = heldPermits.get(permits);
    if (!mine) heldPermits.set(permits, mine = []);
    mine.push(lease);
    const session = this.session;
    keepRenewing(session, lease, ms, async () => (await session.run((r) => r.concSemRenew(permits, ms, id))) === 1, () => drop(lease));
  }
}
