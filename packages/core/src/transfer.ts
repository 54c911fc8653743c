import { createRequire } from 'node:module';
import { DataCloneError } from './errors.js';

/**
 * The transfer protocol: how @conc objects cross to another thread or process as "the same
 * object". A shareable object implements `[toDescriptor]()`, returning plain cloneable data
 * (usually a `SharedArrayBuffer` and offsets); {@link prepare} swaps every shareable object in a
 * value for its descriptor, and {@link revive} on the other side swaps descriptors back for live
 * objects over the same shared memory, through the reviver registered for the kind.
 *
 * Kinds are named `'<package>:<Class>'` (e.g. `'@conc/sync:Lock'`): when a kind has no reviver
 * yet in the receiving thread, its package is loaded on demand, and registers it.
 */

/** The method a shareable object implements. @internal */
export const toDescriptor: unique symbol = Symbol.for('@conc/core.toDescriptor') as never;

/** What `[toDescriptor]()` returns: cloneable data plus the kind's name. @internal */
export interface SharedDescriptor {
  kind: string;
  [field: string]: unknown;
}

/** An object that crosses by reference. @internal */
export interface Shareable {
  [toDescriptor](): SharedDescriptor;
}

/** How a kind is rebuilt, plus free-form facts about it other packages may use. @internal */
export interface KindInfo {
  revive(descriptor: SharedDescriptor): object;
  /** Names of methods that return synchronously (others return Promises); for brokers. */
  syncMethods?: readonly string[];
}

/** The key that marks a descriptor inside a prepared value. @internal */
export const SHARED_MARK = '__conc_shared__';

// On globalThis so that two copies of this module in one thread (a bundler, a test runner)
// still share one registry.
const registryKey = Symbol.for('@conc/core.kinds');
const registry: Map<string, KindInfo> = ((globalThis as Record<symbol, unknown>)[registryKey] ??= new Map()) as Map<string, KindInfo>;

/**
 * Registers how to rebuild objects of `kind`. Called by each shareable class at load time.
 * @internal
 */
export function registerKind(kind: string, info: KindInfo): void {
  registry.set(kind, info);
}

/** The registered info of a kind, if its package is loaded in this thread. @internal */
export function kindInfo(kind: string): KindInfo | undefined {
  return registry.get(kind);
}

/** Whether `value` is a shareable @conc object. @internal */
export function isShareable(value: unknown): value is Shareable {
  return typeof value === 'object' && value !== null && typeof (value as Shareable)[toDescriptor] === 'function';
}

/** A prepared value: structured-cloneable, with `shared` telling whether it holds descriptors. @internal */
export interface Prepared {
  value: unknown;
  shared: boolean;
}

/** Options of {@link prepare}. @internal */
export interface PrepareOptions {
  /** Replaces each descriptor on its way out (a process broker swaps in handles). */
  mapDescriptor?: (descriptor: SharedDescriptor, object: Shareable) => unknown;
}

/**
 * Makes `value` ready to cross: shareable objects at any depth inside arrays, plain objects,
 * `Map`s and `Set`s become marked descriptors; structured-cloneable built-ins are left to
 * structured clone. Containers are copied only where something inside them changed.
 *
 * @param path - How the caller names `value` in errors, e.g. `'args'`.
 * @throws DataCloneError naming the path of a value that cannot cross.
 * @internal
 */
export function prepare(value: unknown, path = 'value', options?: PrepareOptions): Prepared {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) {
    return { value, shared: false };
  }
  const state: WalkState = { shared: false, seen: new Map(), mapDescriptor: options?.mapDescriptor };
  try {
    // The first walk builds no path strings (they cost more than the walk itself); only a
    // value that cannot cross makes a second walk, which names where it sits.
    return { value: walk(value, undefined, state), shared: state.shared };
  } catch (error) {
    if (error !== RETRY_WITH_PATHS) throw error;
    const named: WalkState = { shared: false, seen: new Map(), mapDescriptor: options?.mapDescriptor };
    return { value: walk(value, path, named), shared: named.shared };
  }
}

interface WalkState {
  shared: boolean;
  seen: Map<object, unknown>;
  mapDescriptor: PrepareOptions['mapDescriptor'];
}

const passThrough = [
  Date, RegExp, ArrayBuffer, SharedArrayBuffer, DataView, Error, Boolean, Number, String,
  ...(typeof Blob === 'function' ? [Blob] : []),
] as const;

const RETRY_WITH_PATHS = Symbol('retry with paths');

function fail(path: string | undefined, reason: string): never {
  if (path === undefined) throw RETRY_WITH_PATHS;
  throw new DataCloneError(path, reason);
}

function walk(value: unknown, path: string | undefined, state: WalkState): unknown {
  if (value === null) return value;
  const type = typeof value;
  if (type === 'function') {
    fail(path, 'a function cannot cross to another thread or process (pass data; code that runs elsewhere is a Target)');
  }
  if (type === 'symbol') fail(path, 'a symbol cannot cross to another thread or process');
  if (type !== 'object') return value;
  const object = value as object;
  const seen = state.seen.get(object);
  if (seen !== undefined) return seen;
  if (isShareable(object)) {
    const descriptor = object[toDescriptor]();
    state.shared = true;
    const marked = state.mapDescriptor ? state.mapDescriptor(descriptor, object) : markDescriptor(descriptor);
    state.seen.set(object, marked);
    return marked;
  }
  if (Array.isArray(object)) {
    state.seen.set(object, object);
    let out: unknown[] | undefined;
    for (let i = 0; i < object.length; i++) {
      const item: unknown = object[i];
      const next = item !== null && typeof item === 'object' || typeof item === 'function' || typeof item === 'symbol' ? walk(item, path === undefined ? undefined : `${path}[${i}]`, state) : item;
      if (next !== item && out === undefined) {
        out = object.slice(0, i);
        state.seen.set(object, out);
      }
      if (out !== undefined) out[i] = next;
    }
    return out ?? object;
  }
  if (ArrayBuffer.isView(object)) return object;
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto === Object.prototype || proto === null) {
    state.seen.set(object, object);
    let out: Record<string, unknown> | undefined;
    const record = object as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      const item = record[key];
      const next = walk(item, path === undefined ? undefined : `${path}${propertyPath(key)}`, state);
      if (next !== item && out === undefined) {
        out = {};
        for (let j = 0; j < k; j++) out[keys[j]!] = record[keys[j]!];
        state.seen.set(object, out);
      }
      if (out !== undefined) out[key] = next;
    }
    return out ?? object;
  }
  if (object instanceof Map) {
    state.seen.set(object, object);
    let changed = false;
    const entries: [unknown, unknown][] = [];
    for (const [key, item] of object) {
      const label = path === undefined ? '' : typeof key === 'string' ? JSON.stringify(key) : String(key);
      const nextKey = walk(key, path === undefined ? undefined : `${path}.keys()[${label}]`, state);
      const nextItem = walk(item, path === undefined ? undefined : `${path}.get(${label})`, state);
      if (nextKey !== key || nextItem !== item) changed = true;
      entries.push([nextKey, nextItem]);
    }
    if (!changed) return object;
    const out = new Map(entries);
    state.seen.set(object, out);
    return out;
  }
  if (object instanceof Set) {
    state.seen.set(object, object);
    let changed = false;
    const items: unknown[] = [];
    let i = 0;
    for (const item of object) {
      const next = walk(item, path === undefined ? undefined : `${path}.values()[${i}]`, state);
      i++;
      if (next !== item) changed = true;
      items.push(next);
    }
    if (!changed) return object;
    const out = new Set(items);
    state.seen.set(object, out);
    return out;
  }
  for (const Allowed of passThrough) if (object instanceof Allowed) return object;
  if (object instanceof Promise) fail(path, 'a Promise cannot cross to another thread or process (await it and pass the result)');
  const name = (proto as { constructor?: { name?: string } } | undefined)?.constructor?.name || 'an anonymous class';
  return fail(
    path,
    `an instance of ${name} cannot cross to another thread or process: only primitives, plain objects, arrays, Map, Set, structured-cloneable built-ins (Date, RegExp, typed arrays, ArrayBuffer, Error, ...) and @conc objects do`,
  );
}

function propertyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Wraps a descriptor in the marked form that {@link revive} recognises. @internal */
export function markDescriptor(descriptor: SharedDescriptor): Record<string, unknown> {
  const { kind, ...fields } = descriptor;
  return { [SHARED_MARK]: kind, ...fields };
}

/** Whether `value` is a marked descriptor. @internal */
export function isMarkedDescriptor(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[SHARED_MARK] === 'string';
}

/** The descriptor inside a marked one. @internal */
export function unmarkDescriptor(marked: Record<string, unknown>): SharedDescriptor {
  const { [SHARED_MARK]: kind, ...fields } = marked;
  return { kind: kind as string, ...fields };
}

/** Options of {@link revive} and {@link reviveSync}. @internal */
export interface ReviveOptions {
  /** Rebuilds a marked value this thread cannot rebuild itself (a broker handle in a child process). */
  reviveMarked?: (marked: Record<string, unknown>) => object | undefined;
}

/**
 * Rebuilds live objects from the descriptors in a prepared value, loading the packages of
 * kinds not yet known in this thread with `import()`.
 * @internal
 */
export async function revive(value: unknown, options?: ReviveOptions): Promise<unknown> {
  const kinds = new Set<string>();
  collectKinds(value, kinds, new Set());
  await Promise.all([...kinds].filter((kind) => !registry.has(kind)).map(async (kind) => {
    const specifier = packageOf(kind);
    if (specifier) await import(specifier);
  }));
  return reviveSync(value, options);
}

const requireHere = createRequire(import.meta.url);

/**
 * The synchronous form of {@link revive}: a kind not yet known is loaded with `require()`,
 * which loads ES modules on Node >= 20.19.
 * @internal
 */
export function reviveSync(value: unknown, options?: ReviveOptions): unknown {
  return reviveWalk(value, new Map(), options);
}

function reviveWalk(value: unknown, seen: Map<object, unknown>, options: ReviveOptions | undefined): unknown {
  if (value === null || typeof value !== 'object') return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (isMarkedDescriptor(value)) {
    const own = options?.reviveMarked?.(value);
    const live = own ?? reviveDescriptor(unmarkDescriptor(value));
    seen.set(value, live);
    return live;
  }
  if (Array.isArray(value)) {
    seen.set(value, value);
    for (let i = 0; i < value.length; i++) value[i] = reviveWalk(value[i], seen, options);
    return value;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    seen.set(value, value);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = reviveWalk(record[key], seen, options);
    return value;
  }
  if (value instanceof Map) {
    seen.set(value, value);
    const entries = [...value].map(([k, v]) => [reviveWalk(k, seen, options), reviveWalk(v, seen, options)] as const);
    value.clear();
    for (const [k, v] of entries) value.set(k, v);
    return value;
  }
  if (value instanceof Set) {
    seen.set(value, value);
    const items = [...value].map((v) => reviveWalk(v, seen, options));
    value.clear();
    for (const v of items) value.add(v);
    return value;
  }
  return value;
}

/**
 * Rebuilds one live object from its descriptor.
 * @throws TypeError when the kind is unknown and its package cannot be loaded.
 * @internal
 */
export function reviveDescriptor(descriptor: SharedDescriptor): object {
  let info = registry.get(descriptor.kind);
  if (!info) {
    const specifier = packageOf(descriptor.kind);
    if (specifier) {
      try {
        requireHere(specifier);
      } catch (error) {
        throw new TypeError(`cannot rebuild a ${descriptor.kind}: loading ${specifier} failed`, { cause: error });
      }
      info = registry.get(descriptor.kind);
    }
  }
  if (!info) throw new TypeError(`cannot rebuild a ${descriptor.kind}: no such kind is registered`);
  return info.revive(descriptor);
}

function packageOf(kind: string): string | undefined {
  const colon = kind.lastIndexOf(':');
  return colon > 0 ? kind.slice(0, colon) : undefined;
}

function collectKinds(value: unknown, kinds: Set<string>, seen: Set<object>): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (isMarkedDescriptor(value)) {
    kinds.add(value[SHARED_MARK] as string);
    return;
  }
  if (Array.isArray(value)) for (const item of value) collectKinds(item, kinds, seen);
  else if (value instanceof Map) {
    for (const [k, v] of value) {
      collectKinds(k, kinds, seen);
      collectKinds(v, kinds, seen);
    }
  }
  else if (value instanceof Set) for (const v of value) collectKinds(v, kinds, seen);
  else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) for (const v of Object.values(value)) collectKinds(v, kinds, seen);
  }
}
