import { ConcError, TimeoutError } from '@conc/core';
import { registerKind, prepare, reviveSync, threadIdentity, toDescriptor, typeName, type SharedDescriptor } from '@conc/core/internal';
import { brokerClient } from './broker-client.js';
import { HANDLE_KIND, type HandleShape } from './wire.js';

/**
 * In a child process, an object of the parent (a `Lock`, a `Queue`...) stands as a proxy with
 * the same methods: async methods call the broker and return Promises, synchronous ones (and
 * the `*Sync` forms) block the calling thread until the broker answers. `with` and `guard` run
 * here around remote `acquire`/`release`. The proxy crosses on (to the broker, to threads of
 * the child) as the same handle.
 * @internal
 */
export function handleProxy(shape: HandleShape): object {
  const client = brokerClient(shape.socket);
  const sync = new Set(shape.sync);
  const proxy: Record<string | symbol, unknown> = {};
  const wire = (args: unknown[]): unknown[] => {
    for (const arg of args) {
      if (arg && typeof arg === 'object' && 'signal' in arg && (arg as { signal?: unknown }).signal !== undefined) {
        throw new TypeError(`${shape.of} in a child process: an AbortSignal cannot reach the parent's broker; use a timeout`);
      }
      if (typeof arg === 'function') throw new TypeError(`${shape.of} in a child process: a function (${typeName(arg)}) cannot reach the parent's broker`);
    }
    return prepare(args, 'args').value as unknown[];
  };
  const request = (op: 'call' | 'get' | 'set', name: string, args: unknown[]) => ({ handle: shape.handle, op, name, args: wire(args), identity: threadIdentity() });
  for (const name of shape.methods) {
    if (name === 'with' || name === 'guard') continue;
    proxy[name] = sync.has(name)
      ? (...args: unknown[]) => reviveSync(client.callSync(request('call', name, args)))
      : (...args: unknown[]) => {
          try {
            return client.call(request('call', name, args)).then((value) => reviveSync(value));
          } catch (error) {
            return Promise.reject(error as Error);
          }
        };
  }
  if (shape.methods.includes('acquire') && shape.methods.includes('release')) {
    const acquire = proxy['acquire'] as (opts?: unknown) => Promise<boolean>;
    const release = proxy['release'] as () => void;
    proxy['with'] = async <T>(fn: () => T | Promise<T>, opts?: unknown): Promise<T> => {
      if (typeof fn !== 'function') throw new TypeError(`${shape.of}.with: fn must be a function, got ${typeName(fn)}`);
      if (!(await acquire(opts))) throw new TimeoutError(`${shape.of}.with: timed out acquiring`);
      try {
        return await fn();
      } finally {
        release();
      }
    };
    proxy['guard'] = async (opts?: unknown) => {
      if (!(await acquire(opts))) throw new TimeoutError(`${shape.of}.guard: timed out acquiring`);
      let done = false;
      return { [Symbol.dispose]: () => (done ? undefined : ((done = true), release())) };
    };
  }
  for (const name of shape.getters) {
    Object.defineProperty(proxy, name, {
      get: () => reviveSync(client.callSync(request('get', name, []))),
      set: shape.setters.includes(name) ? (value: unknown) => void client.callSync(request('set', name, [value])) : undefined,
      enumerable: true,
    });
  }
  Object.defineProperty(proxy, toDescriptor, { value: (): SharedDescriptor => ({ kind: HANDLE_KIND, ...shape }) });
  Object.defineProperty(proxy, Symbol.toStringTag, { value: `${shape.of.slice(shape.of.lastIndexOf(':') + 1)} (from the parent process)` });
  return proxy;
}

registerKind(HANDLE_KIND, {
  revive(descriptor) {
    const shape = descriptor as unknown as HandleShape;
    if (typeof shape.handle !== 'number' || typeof shape.socket !== 'string') throw new ConcError('not a @conc/process handle');
    return handleProxy(shape);
  },
});
