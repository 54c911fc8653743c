/**
 * Server-side waiting. Every blocking proxy call (acquire, wait, get, put, join) parks a
 * waiter here instead of blocking anything: the server is one event loop serving every client.
 * A waiter is settled by an attempt that succeeds after a state change (`pump`), by a
 * notification (`wake`), by its timeout, by a cancel from its client (an aborted signal), or
 * dropped silently when its client disconnects.
 */

/** The connection a request came on, as far as waiting is concerned. @internal */
export interface WaitingClient {
  readonly waiters: Set<Waiter>;
  /** Waiters a cancel frame may address, by request id. */
  readonly cancellable: Map<number, Waiter>;
}

/** Who is calling: the connection, the request id, and the client thread's token. @internal */
export interface CallContext {
  readonly client: WaitingClient & { readonly held: Set<{ dropHolder(client: unknown): void }> };
  readonly id: number;
  readonly owner: string;
}

/** The rejection of a waiter cancelled by its client. @internal */
export class Cancelled extends Error {}

/** One parked call. @internal */
export interface Waiter {
  readonly client: WaitingClient;
  readonly id: number;
  /** Tries to complete; returns `{ value }` when done, undefined to keep waiting; may throw. */
  attempt(): { value: unknown } | undefined;
  settle(outcome: { value: unknown } | { error: unknown }): void;
  cancel(): void;
  remove(): void;
  /** Its client disconnected: removed without a reply. */
  drop(): void;
}

/** A FIFO of waiters on one object. @internal */
export class WaitList {
  private waiters: Waiter[] = [];

  get size(): number {
    return this.waiters.length;
  }

  /**
   * Completes at once when `attempt` succeeds, else parks until it does, or until `timeout`
   * ms pass (then settles with `onTimeout()`, which may throw).
   */
  wait<T>(
    ctx: CallContext,
    timeout: number,
    attempt: () => { value: T } | undefined,
    onTimeout: () => T,
    options: { cancellable?: boolean; onCancel?: () => void; onDrop?: () => void } = {},
  ): T | Promise<T> {
    const now = attempt();
    if (now) return now.value;
    if (timeout <= 0) return onTimeout();
    return new Promise<T>((resolve, reject) => {
      const { client, id } = ctx;
      const cancellable = options.cancellable ?? true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waiter: Waiter = {
        client,
        id,
        attempt,
        settle: (outcome) => {
          waiter.remove();
          if ('value' in outcome) resolve(outcome.value as T);
          else reject(outcome.error as Error);
        },
        cancel: () => {
          waiter.settle({ error: new Cancelled() });
          options.onCancel?.();
        },
        drop: () => {
          waiter.remove();
          options.onDrop?.();
        },
        remove: () => {
          if (timer !== undefined) clearTimeout(timer);
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          client.waiters.delete(waiter);
          if (client.cancellable.get(id) === waiter) client.cancellable.delete(id);
        },
      };
      if (timeout !== Infinity) {
        timer = setTimeout(() => {
          try {
            waiter.settle({ value: onTimeout() });
          } catch (error) {
            waiter.settle({ error });
          }
        }, timeout);
      }
      this.waiters.push(waiter);
      client.waiters.add(waiter);
      if (cancellable) client.cancellable.set(id, waiter);
    });
  }

  /** Lets every waiter, in arrival order, try again after a state change. */
  pump(): void {
    for (let i = 0; i < this.waiters.length; ) {
      const waiter = this.waiters[i]!;
      let outcome: { value: unknown } | { error: unknown } | undefined;
      try {
        outcome = waiter.attempt();
      } catch (error) {
        outcome = { error };
      }
      if (outcome) waiter.settle(outcome);
      else i++;
    }
  }

  /** Settles the first `n` waiters with `value` (a condition's notify); returns how many. */
  wake(n: number, value: unknown): number {
    const woken = this.waiters.slice(0, n);
    for (const waiter of woken) waiter.settle({ value });
    return woken.length;
  }

  /** Settles every waiter with an error (a barrier broken). */
  failAll(error: () => unknown): void {
    for (const waiter of this.waiters.slice()) waiter.settle({ error: error() });
  }
}
