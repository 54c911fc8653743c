import { randomUUID } from 'node:crypto';
import { BrokenBarrierError, EmptyError, FullError, StateError } from '@conc/core';
import { typeName } from '@conc/core/internal';
import { RedisLock } from './locks.js';
import { RedisObject, type CallWait, type ObjectRef } from './object.js';
import type { RedisSession } from './session.js';

// A waiter at a barrier or condition checks every second and renews its lease each time: one
// whose process died is noticed within a few seconds (it breaks a barrier, as locally; a
// condition's notify skips it).
const WAITER_CHECK_MS = 1000;
const WAITER_LEASE = 3000;

/** An Event in Redis: a flag key; `set()` publishes. @internal */
export class RedisEvent extends RedisObject {
  protected run(method: string, _args: unknown[], wait: CallWait | undefined): Promise<unknown> {
    const flag = this.key('flag');
    const isSet = async (by?: number): Promise<boolean> => (await this.session.run<number>((r) => r.exists(flag), by)) === 1;
    switch (method) {
      case 'isSet': return isSet();
      case 'set': return this.redis((r) => r.concEventSet(flag, this.channel)).then(() => undefined);
      case 'clear': return this.redis((r) => r.del(flag)).then(() => undefined);
      case 'wait': return this.session.waitFor(this.channel, async (by) => ((await isSet(by)) ? { done: true, value: true } : { done: false }), this.deadline(wait), wait?.signal)
        .then((value) => value ?? false);
      default: return this.unknown(method);
    }
  }
}

/**
 * A Condition in Redis over a Redis lock (its own RLock by default): waiters queue in a ZSET
 * by arrival; `notify(n)` moves the n earliest to a notified SET and publishes. @internal
 */
export class RedisCondition extends RedisObject {
  readonly lock: RedisLock;

  constructor(session: RedisSession, ref: ObjectRef) {
    super(session, ref);
    this.lock = new RedisLock(session, ref.params['lock'] as ObjectRef);
  }

  protected run(method: string, args: unknown[], wait: CallWait | undefined): Promise<unknown> {
    this.lock.proxy = this.proxy;
    switch (method) {
      case 'acquire': return this.lock.acquire(this.deadline(wait), wait?.signal, 1).then((token) => token !== undefined);
      case 'release': return this.lock.release(false).then(() => undefined);
      case 'wait': return this.#wait(this.deadline(wait), wait?.signal);
      case 'notify': {
        const n = args[0];
        if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`${this.what(method)}: n must be an integer, got ${typeName(n)}`);
        if (n < 0) throw new RangeError(`${this.what(method)}: n must be >= 0, got ${n}`);
        return this.#notify(n, method);
      }
      case 'notifyAll': return this.#notify(-1, method);
      default: return this.unknown(method);
    }
  }

  async #notify(n: number, method: string): Promise<void> {
    if (!this.lock.heldHere()) throw new StateError(`${this.what(method)}: cannot notify on un-acquired lock`);
    if (n === 0) return;
    await this.redis((r) => r.concCondNotify(this.key('waiters'), this.key('notified'), this.key('leases'), n < 0 ? 2 ** 31 : n, this.channel));
  }

  async #wait(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    if (signal?.aborted) throw signal.reason;
    if (!this.lock.heldHere()) throw new StateError(`${this.what('wait')}: cannot wait on un-acquired lock`);
    const waiters = this.key('waiters');
    const notified = this.key('notified');
    const leases = this.key('leases');
    const id = randomUUID();
    // Queued before the lock is let go, so a notify made under the lock after that sees it.
    await this.redis((r) => r.concCondEnter(waiters, notified, leases, this.key('arrivals'), id, WAITER_LEASE));
    let levels: number;
    try {
      levels = await this.lock.release(true);
    } catch (error) {
      await this.redis((r) => r.concCondLeave(waiters, notified, leases, id)).catch(() => {});
      throw error;
    }
    let woken = false;
    let failure: unknown;
    try {
      woken = (await this.session.waitFor(this.channel, async (by) => {
        const got = await this.session.run<number>((r) => r.concCondCheck(waiters, notified, leases, id, WAITER_LEASE) as Promise<number>, by);
        return got === 1 ? { done: true, value: true } : { done: false, retryIn: WAITER_CHECK_MS };
      }, deadline, signal)) === true;
    } catch (error) {
      failure = error;
    }
    if (!woken) {
      // A notification that came while we gave up still counts (and is not lost to another waiter).
      woken = (await this.session.run<number>((r) => r.concCondLeave(waiters, notified, leases, id) as Promise<number>).catch(() => 0)) === 1;
    }
    // Holds the lock again, as Python does, also after a timeout or an abort.
    await this.lock.acquire(Infinity, undefined, Math.max(1, levels));
    if (failure !== undefined && !woken) throw failure;
    return woken;
  }
}


/** A Barrier in Redis: {gen, count, broken}, the generations that ended broken, the waiters' leases. @internal */
export class RedisBarrier extends RedisObject {
  protected run(method: string, _args: unknown[], wait: CallWait | undefined): Promise<unknown> {
    const state = this.key('state');
    const ends = this.key('ends');
    const waiters = this.key('waiters');
    const parties = this.ref.params['parties'] as number;
    switch (method) {
      case 'wait': {
        const fallback = this.ref.params['timeout'] as number | null;
        // No timeout given: the barrier's own default.
        const timeout = wait && wait.timeout !== Infinity ? wait.timeout : fallback ?? Infinity;
        return this.#wait(performance.now() + timeout, wait?.signal, parties);
      }
      case 'reset': return this.redis((r) => r.concBarrierBreak(state, ends, waiters, this.channel, '', '1')).then(() => undefined);
      case 'abort': return this.redis((r) => r.concBarrierBreak(state, ends, waiters, this.channel, '', '0')).then(() => undefined);
      case 'parties': return Promise.resolve(parties);
      case 'nWaiting': return this.redis<[string | null, string | null]>((r) => r.hmget(state, 'count', 'broken')).then(([count, broken]) => (broken === '1' ? 0 : Number(count ?? 0)));
      case 'broken': return this.redis<string | null>((r) => r.hget(state, 'broken')).then((broken) => broken === '1');
      default: return this.unknown(method);
    }
  }

  async #wait(deadline: number, signal: AbortSignal | undefined, parties: number): Promise<number> {
    if (signal?.aborted) throw signal.reason;
    const state = this.key('state');
    const ends = this.key('ends');
    const waiters = this.key('waiters');
    const id = randomUUID();
    const [index, gen, passed] = await this.redis<[number, number, number]>((r) => r.concBarrierArrive(state, ends, waiters, parties, this.channel, id, WAITER_LEASE));
    if (passed === 1) return index;
    const breakIt = (): Promise<unknown> => this.session.run((r) => r.concBarrierBreak(state, ends, waiters, this.channel, String(gen), '0')).catch(() => {});
    let outcome: number | undefined;
    try {
      outcome = await this.session.waitFor(this.channel, async (by) => {
        const now = await this.session.run<number>((r) => r.concBarrierCheck(state, ends, waiters, gen, this.channel, id, WAITER_LEASE) as Promise<number>, by);
        return now === 0 ? { done: false, retryIn: WAITER_CHECK_MS } : { done: true, value: now };
      }, deadline, signal);
    } catch (error) {
      // An abort breaks it for the others, as a timeout does.
      await breakIt();
      throw error;
    }
    if (outcome === 1) return index;
    if (outcome === undefined) {
      await breakIt();
      throw new BrokenBarrierError(`${this.what('wait')}: timed out, the barrier is now broken`);
    }
    throw new BrokenBarrierError(`${this.what('wait')}: the barrier was broken while waiting`);
  }
}

/** A Queue in Redis: a LIST of items and {unfinished, shutdown}. @internal */
export class RedisQueue extends RedisObject {
  protected run(method: string, args: unknown[], wait: CallWait | undefined): Promise<unknown> {
    const items = this.key('items');
    const state = this.key('state');
    const maxsize = this.ref.params['maxsize'] as number;
    switch (method) {
      case 'put': {
        const item = this.encode(args[0], method);
        return this.session.waitFor(this.channel, async (by) => {
          const put = await this.session.run<number>((r) => r.concQueuePut(items, state, item, maxsize, this.channel) as Promise<number>, by);
          return put === 1 ? { done: true, value: true } : { done: false };
        }, this.deadline(wait), wait?.signal).then((put) => {
          if (!put) throw new FullError(`${this.what(method)}: the queue is full (maxsize ${maxsize})`);
        });
      }
      case 'get': return this.session.waitFor(this.channel, async (by) => {
        const bytes = await this.session.run<string | null>((r) => r.concQueueGet(items, state, this.channel) as Promise<string | null>, by);
        return bytes === null ? { done: false } : { done: true, value: bytes };
      }, this.deadline(wait), wait?.signal).then((bytes) => {
        if (bytes === undefined) throw new EmptyError(`${this.what(method)}: the queue is empty`);
        return this.decode(bytes);
      });
      case 'qsize': return this.redis((r) => r.llen(items));
      case 'empty': return this.redis<number>((r) => r.llen(items)).then((n) => n === 0);
      case 'full': return this.redis<number>((r) => r.llen(items)).then((n) => maxsize > 0 && n >= maxsize);
      case 'taskDone': return this.redis((r) => r.concQueueTaskDone(items, state, this.channel)).then(() => undefined);
      case 'join': return this.session.waitFor(this.channel, async (by) => {
        const left = Number((await this.session.run<string | null>((r) => r.hget(state, 'unfinished'), by)) ?? 0);
        return left <= 0 ? { done: true, value: true } : { done: false };
      }, this.deadline(wait), wait?.signal).then((done) => done ?? false);
      case 'shutdown': {
        if (typeof args[0] !== 'boolean') throw new TypeError(`${this.what(method)}: immediate must be a boolean, got ${typeName(args[0])}`);
        return this.redis((r) => r.concQueueShutdown(items, state, this.channel, args[0] ? '1' : '0')).then(() => undefined);
      }
      default: return this.unknown(method);
    }
  }
}
