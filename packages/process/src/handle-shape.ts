import { SHARED_MARK, kindInfo, toDescriptor, type Shareable } from '@conc/core/internal';
import { HANDLE_KIND, type HandleShape } from './wire.js';

// Methods that return at once in @conc/sync and @conc/queue, for kinds that do not declare
// their `syncMethods`: everything else that can wait returns a Promise.
const knownSync = new Set([
  'release', 'locked', 'isSet', 'set', 'clear', 'notify', 'notifyAll', 'reset', 'abort', 'qsize', 'empty', 'full',
  'taskDone', 'shutdown', 'putNowait', 'getNowait', 'send', 'close', 'toArray', 'getLock',
]);

/**
 * What a child needs to stand in for `object`: its methods (and which return synchronously),
 * getters and setters, found on its prototype chain.
 * @internal
 */
export function shapeOf(object: object, kind: string, handle: number, socket: string): HandleShape {
  if (kind === HANDLE_KIND) {
    // A stand-in passed on (to a grandchild): same shape, served by this process's broker.
    const shape = (object as Shareable)[toDescriptor]() as unknown as HandleShape;
    return { handle, of: shape.of, methods: shape.methods, sync: shape.sync, getters: shape.getters, setters: shape.setters, socket };
  }
  const methods = new Set<string>();
  const getters = new Set<string>();
  const setters = new Set<string>();
  for (let proto: unknown = Object.getPrototypeOf(object); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name === 'constructor' || name.startsWith('_')) continue;
      if (typeof descriptor.value === 'function') methods.add(name);
      if (descriptor.get) getters.add(name);
      if (descriptor.set) setters.add(name);
    }
  }
  const declared = kindInfo(kind)?.syncMethods;
  const sync = [...methods].filter((name) => name.endsWith('Sync') || (declared ? declared.includes(name) : knownSync.has(name) || (name === 'get' && !methods.has('getSync'))));
  return { handle, of: kind, methods: [...methods], sync, getters: [...getters], setters: [...setters], socket };
}

/** The marked form of a handle inside a prepared value. @internal */
export function markHandle(shape: HandleShape): Record<string, unknown> {
  return { [SHARED_MARK]: HANDLE_KIND, ...shape };
}
