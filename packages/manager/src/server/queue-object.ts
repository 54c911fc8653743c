import { EmptyError, FullError, ShutDownError, StateError } from '@conc/core';
import { ServerObject, wireTimeout } from './server-object.js';
import { WaitList, type CallContext } from './waiters.js';

/** `queue.Queue` (with task tracking and 3.13's `shutdown`) held by the server. @internal */
export class ServerQueue extends ServerObject {
  readonly typeid = 'queue';
  protected readonly exposed = new Set(['put', 'get', 'qsize', 'empty', 'full', 'taskDone', 'join', 'shutdown']);
  private readonly list = new WaitList();
  private items: unknown[] = [];
  private head = 0;
  private unfinished = 0;
  private isShutDown = false;
  private readonly maxsize: number;

  constructor(maxsize: unknown = 0) {
    super();
    if (typeof maxsize !== 'number' || !Number.isInteger(maxsize)) throw new TypeError(`queue: maxsize must be an integer, got ${String(maxsize)}`);
    this.maxsize = maxsize;
  }

  private get size(): number {
    return this.items.length - this.head;
  }

  put(ctx: CallContext, item: unknown, timeout?: unknown): void | Promise<void> {
    const ms = wireTimeout(timeout, 'queue.put');
    return this.list.wait(
      ctx,
      ms,
      () => {
        if (this.isShutDown) throw new ShutDownError('queue.put: the queue is shut down');
        if (this.maxsize > 0 && this.size >= this.maxsize) return undefined;
        this.items.push(item);
        this.unfinished++;
        // Others may now get (and joiners never complete on a put): let them try.
        queueMicrotask(() => this.list.pump());
        return { value: undefined };
      },
      () => {
        throw new FullError(`queue.put: the queue is full (maxsize ${this.maxsize})`);
      },
    );
  }

  get(ctx: CallContext, timeout?: unknown): unknown {
    const ms = wireTimeout(timeout, 'queue.get');
    return this.list.wait(
      ctx,
      ms,
      () => {
        if (this.size > 0) {
          const item = this.items[this.head];
          this.items[this.head++] = undefined;
          if (this.head > 1024 && this.head * 2 > this.items.length) {
            this.items = this.items.slice(this.head);
            this.head = 0;
          }
          queueMicrotask(() => this.list.pump());
          return { value: item };
        }
        if (this.isShutDown) throw new ShutDownError('queue.get: the queue is shut down and empty');
        return undefined;
      },
      () => {
        throw new EmptyError('queue.get: the queue is empty');
      },
    );
  }

  qsize(): number {
    return this.size;
  }
  empty(): boolean {
    return this.size === 0;
  }
  full(): boolean {
    return this.maxsize > 0 && this.size >= this.maxsize;
  }

  taskDone(): void {
    if (this.unfinished <= 0) throw new StateError('queue.taskDone: task_done() called too many times');
    if (--this.unfinished === 0) this.list.pump();
  }

  join(ctx: CallContext, timeout?: unknown): boolean | Promise<boolean> {
    return this.list.wait(ctx, wireTimeout(timeout, 'queue.join'), () => (this.unfinished === 0 ? { value: true } : undefined), () => false);
  }

  shutdown(_: CallContext, immediate: unknown = false): void {
    if (typeof immediate !== 'boolean') throw new TypeError(`queue.shutdown: immediate must be a boolean, got ${String(immediate)}`);
    this.isShutDown = true;
    if (immediate) {
      // Python 3.13: the dropped items count as done, so join() returns.
      this.unfinished = Math.max(0, this.unfinished - this.size);
      this.items = [];
      this.head = 0;
    }
    this.list.pump();
  }
}

