import { BrokenBarrierError, StateError } from '@conc/core';
import { ServerObject, wireCount, wireTimeout } from './server-object.js';
import { Cancelled, WaitList, type CallContext } from './waiters.js';

type Client = CallContext['client'];

/**
 * `Lock` and `RLock` held by the server. The owner is the client thread (its token); the
 * holder is the connection that acquired it, so that a client that disconnects while
 * holding it has it released.
 * @internal
 */
export class ServerLock extends ServerObject {
  readonly typeid: 'lock' | 'rlock';
  protected readonly exposed = new Set(['acquire', 'release', 'locked']);
  private owner: string | null = null;
  private count = 0;
  private holder: Client | null = null;
  private readonly list = new WaitList();

  constructor(readonly reentrant: boolean) {
    super();
    this.typeid = reentrant ? 'rlock' : 'lock';
  }

  private take(ctx: CallContext, count = 1): { value: true } | undefined {
    if (this.owner === null) {
      this.owner = ctx.owner;
      this.count = count;
      this.holder = ctx.client;
      ctx.client.held.add(this);
      return { value: true };
    }
    if (this.reentrant && this.owner === ctx.owner) {
      this.count += count;
      return { value: true };
    }
    return undefined;
  }

  acquire(ctx: CallContext, timeout?: unknown): boolean | Promise<boolean> {
    return this.list.wait(ctx, wireTimeout(timeout, `${this.typeid}.acquire`), () => this.take(ctx), () => false);
  }

  release(ctx: CallContext): void {
    if (this.owner === null) throw new StateError(`${this.typeid}.release: release unlocked lock`);
    if (this.reentrant && this.owner !== ctx.owner) throw new StateError('rlock.release: cannot release un-acquired lock (it is held by another thread)');
    if (--this.count === 0) this.free();
  }

  locked(): boolean {
    return this.owner !== null;
  }

  /** Whether the calling thread owns it (for `Condition`). */
  ownedBy(ctx: CallContext): boolean {
    return this.owner !== null && (!this.reentrant || this.owner === ctx.owner);
  }

  /** Releases completely, returning the recursion count to restore later (for `Condition.wait`). */
  releaseAll(): number {
    const count = this.count;
    this.free();
    return count;
  }

  /** Takes it again with a saved count, waiting as long as it takes, not cancellable. */
  reacquire(ctx: CallContext, count: number): true | Promise<true> {
    return this.list.wait(ctx, Infinity, () => this.take(ctx, count), () => true, { cancellable: false });
  }

  /** The holder's connection closed: the lock is released (Python leaves it locked forever). */
  dropHolder(client: unknown): void {
    if (this.holder === client) this.free();
  }

  private free(): void {
    this.holder?.held.delete(this);
    this.owner = null;
    this.count = 0;
    this.holder = null;
    this.list.pump();
  }
}

/** `Semaphore` and `BoundedSemaphore` held by the server. @internal */
export class ServerSemaphore extends ServerObject {
  readonly typeid: 'semaphore' | 'boundedSemaphore';
  protected readonly exposed = new Set(['acquire', 'release', 'value']);
  private readonly list = new WaitList();
  private count: number;
  private readonly initial: number;

  constructor(readonly bounded: boolean, value: unknown) {
    super();
    this.typeid = bounded ? 'boundedSemaphore' : 'semaphore';
    this.count = this.initial = wireCount(value ?? 1, `${this.typeid}: value`, 0);
  }

  acquire(ctx: CallContext, timeout?: unknown): boolean | Promise<boolean> {
    return this.list.wait(ctx, wireTimeout(timeout, `${this.typeid}.acquire`), () => (this.count > 0 ? (this.count--, { value: true }) : undefined), () => false);
  }

  release(_: CallContext, n: unknown = 1): void {
    const count = wireCount(n, `${this.typeid}.release: n`, 1);
    if (this.bounded && this.count + count > this.initial) throw new StateError(`boundedSemaphore.release: semaphore released too many times (value ${this.count}, initial ${this.initial})`);
    this.count += count;
    this.list.pump();
  }

  value(): number {
    return this.count;
  }
}

/** `Event` held by the server. @internal */
export class ServerEvent extends ServerObject {
  readonly typeid = 'event';
  protected readonly exposed = new Set(['isSet', 'set', 'clear', 'wait']);
  private flag = false;
  private readonly list = new WaitList();

  isSet(): boolean {
    return this.flag;
  }
  set(): void {
    this.flag = true;
    this.list.pump();
  }
  clear(): void {
    this.flag = false;
  }
  wait(ctx: CallContext, timeout?: unknown): boolean | Promise<boolean> {
    return this.list.wait(ctx, wireTimeout(timeout, 'event.wait'), () => (this.flag ? { value: true } : undefined), () => false);
  }
}

/** `Condition` held by the server, over its own `RLock` or a lock of the same server. @internal */
export class ServerCondition extends ServerObject {
  readonly typeid = 'condition';
  protected readonly exposed = new Set(['acquire', 'release', 'wait', 'notify', 'notifyAll']);
  private readonly list = new WaitList();

  constructor(readonly lock: ServerLock) {
    super();
  }

  acquire(ctx: CallContext, timeout?: unknown): boolean | Promise<boolean> {
    return this.lock.acquire(ctx, timeout);
  }
  release(ctx: CallContext): void {
    this.lock.release(ctx);
  }

  async wait(ctx: CallContext, timeout?: unknown): Promise<boolean> {
    const ms = wireTimeout(timeout, 'condition.wait');
    if (!this.lock.ownedBy(ctx)) throw new StateError('condition.wait: cannot wait on un-acquired lock');
    const saved = this.lock.releaseAll();
    let notified = false;
    let cancelled: Cancelled | undefined;
    try {
      notified = (await this.list.wait(ctx, ms, () => undefined, () => false)) as boolean;
    } catch (error) {
      if (!(error instanceof Cancelled)) throw error;
      cancelled = error;
    }
    // Python's wait holds the lock again before returning, also on timeout (and here on abort).
    await this.lock.reacquire(ctx, saved);
    if (cancelled) throw cancelled;
    return notified;
  }

  notify(ctx: CallContext, n: unknown = 1): void {
    const count = wireCount(n, 'condition.notify: n', 0);
    if (!this.lock.ownedBy(ctx)) throw new StateError('condition.notify: cannot notify on un-acquired lock');
    this.list.wake(count, true);
  }
  notifyAll(ctx: CallContext): void {
    if (!this.lock.ownedBy(ctx)) throw new StateError('condition.notifyAll: cannot notify on un-acquired lock');
    this.list.wake(Infinity, true);
  }
}

/** `Barrier` held by the server (Python's semantics; no action: the wire carries no code). @internal */
export class ServerBarrier extends ServerObject {
  readonly typeid = 'barrier';
  protected readonly exposed = new Set(['wait', 'reset', 'abort', 'parties', 'nWaiting', 'broken']);
  private readonly list = new WaitList();
  private count = 0;
  private generation = 0;
  private isBroken = false;
  private readonly defaultTimeout: number;
  private readonly size: number;

  constructor(parties: unknown, timeout?: unknown) {
    super();
    this.size = wireCount(parties, 'barrier: parties', 1);
    this.defaultTimeout = wireTimeout(timeout, 'barrier');
  }

  wait(ctx: CallContext, timeout?: unknown): number | Promise<number> {
    const ms = timeout === undefined || timeout === null ? this.defaultTimeout : wireTimeout(timeout, 'barrier.wait');
    if (this.isBroken) throw new BrokenBarrierError('barrier.wait: the barrier is broken');
    const index = this.count++;
    if (this.count === this.size) {
      this.count = 0;
      this.generation++;
      this.list.pump();
      return index;
    }
    const generation = this.generation;
    return this.list.wait(
      ctx,
      ms,
      () => {
        if (this.generation !== generation) return { value: index };
        if (this.isBroken) throw new BrokenBarrierError('barrier.wait: the barrier was broken while waiting');
        return undefined;
      },
      () => {
        this.breakIt();
        throw new BrokenBarrierError('barrier.wait: timed out, the barrier is now broken');
      },
      // A party that gives up or goes away would leave the others waiting for ever: break it.
      { onCancel: () => this.breakIt(), onDrop: () => this.breakIt() },
    );
  }

  reset(): void {
    if (this.count > 0) this.breakIt();
    this.isBroken = false;
    this.count = 0;
    this.generation++;
  }
  abort(): void {
    this.breakIt();
  }
  parties(): number {
    return this.size;
  }
  nWaiting(): number {
    return this.count;
  }
  broken(): boolean {
    return this.isBroken;
  }

  private breakIt(): void {
    this.isBroken = true;
    this.count = 0;
    this.list.failAll(() => new BrokenBarrierError('barrier.wait: the barrier was broken while waiting'));
  }
}
