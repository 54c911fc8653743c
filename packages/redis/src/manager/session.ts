import { randomBytes } from 'node:crypto';
import { BrokenBarrierError, ConcError, ShutDownError, StateError } from '@conc/core';
import type { Redis } from 'ioredis';
import type { RedisBackend } from '../redis-backend.js';
import { defineScripts, type Scripts } from './scripts.js';

/** How long a call may wait for Redis (to answer, or to come back) before it fails. @internal */
export const CALL_TIMEOUT = 10_000;

/** Names this thread as the owner of an RLock (and the holder of leases) in Redis. @internal */
export const threadOwner = randomBytes(12).toString('base64url');

// How often a waiter re-checks on its own, whatever it heard: a guard, not the way it wakes.
const RECHECK_MS = 2000;
// The least time one try of a wait gets for its round trip, whatever the wait's timeout.
const ATTEMPT_SLACK_MS = 100;

interface Pending {
  deadline: number;
  reject(error: Error): void;
}

/**
 * One client's link to Redis for manager objects: a command connection (scripts, plain
 * commands, each with a deadline) and, opened on first wait, a subscriber connection whose
 * messages wake waiters. A wait re-checks the state after every (re)subscription, so a
 * wake-up published while the subscriber was reconnecting is never lost.
 * @internal
 */
export class RedisSession {
  readonly prefix: string;
  readonly url: string;
  readonly redis: Redis & Scripts;
  #subscriber: Redis | undefined;
  readonly #listeners = new Map<string, Set<() => void>>();
  readonly #pending = new Set<Pending>();
  readonly #sweeper: ReturnType<typeof setInterval>;
  #waiting = 0;
  #closed: Error | undefined;
  readonly #where: string;

  constructor(readonly backend: RedisBackend, readonly callTimeout = CALL_TIMEOUT) {
    this.prefix = backend.prefix;
    this.url = backend.url;
    this.#where = describeUrl(backend.url);
    // Commands never queue while Redis is away (a call that failed must not run later) and
    // are never resent after a reconnect (it could run twice).
    this.redis = backend.connect({ enableOfflineQueue: false, autoResendUnfulfilledCommands: false }) as Redis & Scripts;
    defineScripts(this.redis);
    // Every call waiting for Redis to come back listens for 'ready'.
    this.redis.setMaxListeners(0);
    this.redis.on('connect', () => this.#updateRef());
    this.#sweeper = setInterval(() => this.#sweep(), 100);
    this.#sweeper.unref();
  }

  /** Where Redis is, without credentials, for messages. */
  get where(): string {
    return this.#where;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Runs `command` once Redis is reachable, failing with a `ConcError` when it is not (or does
   * not answer) before `deadline` (`performance.now()` time; default the call timeout).
   */
  run<T>(command: (redis: Redis & Scripts) => Promise<T>, deadline = performance.now() + this.callTimeout): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.redis.status === 'end') return Promise.reject(this.unreachable('its connection was closed (the backend was closed)'));
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { deadline, reject };
      const settle = (): void => {
        this.#pending.delete(entry);
        if (this.#pending.size === 0) this.#updateRef();
      };
      this.#pending.add(entry);
      if (this.#pending.size === 1) this.#updateRef();
      const send = (): void => {
        command(this.redis).then((value) => {
          settle();
          resolve(value);
        }, (error: unknown) => {
          settle();
          reject(this.#translate(error));
        });
      };
      if (this.redis.status === 'ready') send();
      else {
        // Waits for Redis to come back; the sweeper rejects it at its deadline.
        const onReady = (): void => {
          if (this.#pending.has(entry)) send();
        };
        this.redis.once('ready', onReady);
        entry.reject = (error) => {
          this.redis.off('ready', onReady);
          reject(error);
        };
      }
    });
  }

  /** The error Redis or ioredis gave, as the error the caller should see. */
  #translate(error: unknown): Error {
    if (!(error instanceof Error)) return new ConcError(String(error));
    if (error.name !== 'ReplyError') return this.unreachable(error.message, error);
    const message = error.message;
    const space = message.indexOf(' ');
    const code = message.slice(0, space);
    const text = message.slice(space + 1);
    switch (code) {
      case 'STATE': return new StateError(text);
      case 'LEASE': return new StateError(text);
      case 'RANGE': return new RangeError(text);
      case 'TYPE': return new TypeError(text);
      case 'SHUTDOWN': return new ShutDownError(text);
      case 'BROKEN': return new BrokenBarrierError(text);
      default:
        if (/index out of range|no such key/.test(message)) return new RangeError('index out of range');
        return new ConcError(`Redis at ${this.#where} refused a command: ${message}`, { cause: error });
    }
  }

  /** The error for Redis being out of reach. */
  unreachable(why: string, cause?: unknown): ConcError {
    if (this.#closed) return this.#closed;
    return new ConcError(`Redis at ${this.#where} is unreachable: ${why}`, { cause });
  }

  #sweep(): void {
    const now = performance.now();
    for (const entry of this.#pending) {
      if (entry.deadline <= now) {
        this.#pending.delete(entry);
        entry.reject(this.unreachable(this.redis.status === 'ready' ? 'it did not answer in time' : `not connected (${this.redis.status})`));
      }
    }
    if (this.#pending.size === 0) this.#updateRef();
  }

  /**
   * Resolves on the next message on `channel` or the next (re)subscription, whichever comes
   * first; `listen` must have been awaited for the channel. Returns the promise and a canceller.
   */
  nextWake(channel: string): { woken: Promise<void>; cancel(): void } {
    let done!: () => void;
    const woken = new Promise<void>((resolve) => {
      done = resolve;
    });
    let set = this.#listeners.get(channel);
    if (!set) this.#listeners.set(channel, set = new Set());
    set.add(done);
    return {
      woken,
      cancel: () => {
        set.delete(done);
        done();
      },
    };
  }

  /** Subscribes to `channel` (counted); the returned function unsubscribes. */
  async listen(channel: string, deadline: number): Promise<() => void> {
    const subscriber = this.#subscriberConnection();
    this.#waiting++;
    this.#updateRef();
    const count = (this.#counts.get(channel) ?? 0) + 1;
    this.#counts.set(channel, count);
    const stop = (): void => {
      this.#waiting--;
      this.#updateRef();
      const left = (this.#counts.get(channel) ?? 1) - 1;
      if (left > 0) {
        this.#counts.set(channel, left);
        return;
      }
      this.#counts.delete(channel);
      this.#listeners.delete(channel);
      if (subscriber.status === 'ready') subscriber.unsubscribe(channel).catch(() => {});
    };
    try {
      if (count === 1 || this.#subscribing.has(channel)) {
        const subscribing = this.#subscribing.get(channel) ?? this.#subscribe(subscriber, channel, deadline);
        this.#subscribing.set(channel, subscribing);
        try {
          await subscribing;
        } finally {
          if (this.#subscribing.get(channel) === subscribing) this.#subscribing.delete(channel);
        }
      }
    } catch (error) {
      stop();
      throw error;
    }
    return stop;
  }

  readonly #counts = new Map<string, number>();
  readonly #subscribing = new Map<string, Promise<unknown>>();

  #subscribe(subscriber: Redis, channel: string, deadline: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const entry: Pending = { deadline, reject };
      this.#pending.add(entry);
      const onReady = (): void => {
        if (this.#pending.has(entry)) attempt();
      };
      const attempt = (): void => {
        subscriber.subscribe(channel).then(() => {
          subscriber.off('ready', onReady);
          this.#pending.delete(entry);
          resolve(undefined);
        }, () => {
          // Not connected yet: the subscription is retried when it is ('ready').
        });
      };
      subscriber.on('ready', onReady);
      if (subscriber.status === 'ready') attempt();
      entry.reject = (error) => {
        subscriber.off('ready', onReady);
        reject(error);
      };
    });
  }

  #subscriberConnection(): Redis {
    if (this.#subscriber) return this.#subscriber;
    const subscriber = this.backend.connect({ enableOfflineQueue: true, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: null });
    subscriber.setMaxListeners(0);
    subscriber.on('message', (channel: string) => this.#wake(channel));
    // After a reconnect ioredis subscribes again; anything published meanwhile was lost, so
    // every waiter re-checks the state.
    subscriber.on('ready', () => {
      for (const channel of this.#listeners.keys()) this.#wake(channel);
    });
    subscriber.on('connect', () => this.#updateRef());
    this.#subscriber = subscriber;
    return subscriber;
  }

  #wake(channel: string): void {
    const set = this.#listeners.get(channel);
    if (!set || set.size === 0) return;
    const wakers = [...set];
    set.clear();
    for (const wake of wakers) wake();
  }

  /**
   * Waits until `attempt()` settles it: `attempt` runs at once, then after every wake-up on
   * `channel` (and every `RECHECK_MS`, and after `retryIn` ms when it says so). Resolves what
   * `attempt` returned with `done`, or `undefined` when `deadline` passed first.
   * @throws ConcError when Redis is unreachable; the signal's reason on abort.
   */
  async waitFor<T>(
    channel: string,
    attempt: (by: number) => Promise<{ done: true; value: T } | { done: false; retryIn?: number }>,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<T | undefined> {
    if (signal?.aborted) throw signal.reason;
    // The first try needs no subscription (most waits end there); a change made between it
    // and the subscription is seen by the try after subscribing.
    const first = await attempt(this.#attemptDeadline(deadline));
    if (first.done) return first.value;
    if (deadline <= performance.now()) return undefined;
    const stop = await this.listen(channel, Math.min(deadline, performance.now() + this.callTimeout));
    try {
      for (;;) {
        const wake = this.nextWake(channel);
        const result = await attempt(this.#attemptDeadline(deadline));
        if (result.done) {
          wake.cancel();
          return result.value;
        }
        const left = deadline - performance.now();
        if (left <= 0) {
          wake.cancel();
          if (this.redis.status !== 'ready') throw this.unreachable(`not connected (${this.redis.status})`);
          return undefined;
        }
        await sleepUntilWoken(wake, Math.min(left, result.retryIn ?? RECHECK_MS, RECHECK_MS), signal);
      }
    } finally {
      stop();
    }
  }

  /**
   * How long one try of a wait may wait for Redis: the wait's own deadline (with a little
   * slack, so a healthy round trip of a zero-timeout wait is never cut off), at most the call
   * timeout.
   */
  #attemptDeadline(deadline: number): number {
    const now = performance.now();
    return Math.min(now + this.callTimeout, Math.max(deadline, now + ATTEMPT_SLACK_MS));
  }

  /** Keeps the process alive while calls or waits are pending, not longer. */
  #updateRef(): void {
    const busy = this.#pending.size > 0 || this.#waiting > 0;
    for (const connection of [this.redis, this.#subscriber]) {
      const stream = connection?.stream as { ref?: () => void; unref?: () => void } | undefined;
      if (busy) stream?.ref?.();
      else stream?.unref?.();
    }
  }

  /** Closes both connections; later calls reject with a `ConcError`. */
  async close(reason = new ConcError('the manager connection was closed')): Promise<void> {
    if (this.#closed) return;
    this.#closed = reason;
    clearInterval(this.#sweeper);
    for (const entry of [...this.#pending]) entry.reject(reason);
    this.#pending.clear();
    for (const channel of [...this.#listeners.keys()]) this.#wake(channel);
    const connections = [this.redis, this.#subscriber].filter((c): c is Redis => c !== undefined);
    await Promise.all(connections.map(async (connection) => {
      try {
        await connection.quit();
      } catch {
        connection.disconnect();
      }
    }));
  }
}

async function sleepUntilWoken(wake: { woken: Promise<void>; cancel(): void }, ms: number, signal: AbortSignal | undefined): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      wake.woken,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, ms));
      }),
      new Promise<void>((_, reject) => {
        if (!signal) return;
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal!.removeEventListener('abort', onAbort);
    wake.cancel();
  }
}

/** A Redis URL without its password, for messages. @internal */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
