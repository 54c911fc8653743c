import { typeName } from './wait-options.js';

/**
 * Code that runs elsewhere (a thread, a process, a pool worker).
 *
 * - A function is shipped as its source text, so it must be self-contained: no captured
 *   variables; it may use globals and `await import(...)`.
 * - `{ module, export }` imports that module in the worker and calls the named export
 *   (default `'default'`). A relative path string is resolved against the current working
 *   directory; prefer `new URL('./task.js', import.meta.url)`.
 *
 * @example
 * ```ts
 * import type { Target } from '@conc/core';
 * const square: Target = (x: number) => x * x;
 * const fromModule: Target = { module: new URL('./tasks.js', import.meta.url), export: 'square' };
 * console.log(typeof square, typeof fromModule); // 'function' 'object'
 * ```
 */
export type Target =
  | ((...args: any[]) => unknown)
  | {
      /** The module to import in the worker: a path, a `file:` URL or a package specifier. */
      module: string | URL;
      /** The name of the exported function to call; `'default'` when omitted. */
      export?: string;
    };

/** A target as it crosses: plain data. @internal */
export type TargetDescriptor =
  | { type: 'source'; source: string; name: string }
  | { type: 'module'; module: string; export: string };

/**
 * Checks a target and turns it into plain data.
 * @throws TypeError for anything that is not a function or `{ module, export? }`, and for
 *   built-in, bound and class functions (they have no source to ship).
 * @internal
 */
export function describeTarget(target: unknown, what: string): TargetDescriptor {
  if (typeof target === 'function') {
    const source = Function.prototype.toString.call(target);
    if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
      const kind = target.name.startsWith('bound ') ? 'a bound function' : 'a built-in function';
      throw new TypeError(`${what}: ${kind} cannot be a target: its source cannot be shipped; wrap it in a self-contained function or use { module, export }`);
    }
    if (/^class\b/.test(source)) throw new TypeError(`${what}: a class cannot be a target; pass a function or { module, export }`);
    return { type: 'source', source, name: target.name };
  }
  if (typeof target === 'object' && target !== null && 'module' in target) {
    const { module, export: name = 'default' } = target as { module: unknown; export?: unknown };
    if (typeof name !== 'string') throw new TypeError(`${what}: target.export must be a string, got ${typeName(name)}`);
    if (module instanceof URL) return { type: 'module', module: module.href, export: name };
    if (typeof module !== 'string' || module === '') throw new TypeError(`${what}: target.module must be a module path, URL or specifier, got ${typeName(module)}`);
    return { type: 'module', module: resolveModule(module), export: name };
  }
  throw new TypeError(`${what}: a target must be a function or { module: string | URL, export?: string }, got ${typeName(target)}`);
}

function resolveModule(specifier: string): string {
  // Loaded here, on the side that describes targets: a worker that only loads them (through
  // @conc/core/target) starts ~1 ms sooner without these two modules.
  const { isAbsolute, resolve } = process.getBuiltinModule('node:path');
  const { pathToFileURL } = process.getBuiltinModule('node:url');
  if (specifier.startsWith('./') || specifier.startsWith('../') || isAbsolute(specifier)) {
    return pathToFileURL(resolve(specifier)).href;
  }
  return specifier;
}

// esbuild (tsup, tsx, vitest) wraps named functions in __name(...) calls and class fields in
// __publicField(...): shipped source may reference them, so every compiled target gets them.
const helperNames = ['__name', '__publicField', '__defProp'] as const;
const helpers = [
  (fn: object, name: string) => Object.defineProperty(fn, 'name', { value: name, configurable: true }),
  (obj: object, key: PropertyKey, value: unknown) => (Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true }), value),
  Object.defineProperty,
];

const compiled = new Map<string, (...args: unknown[]) => unknown>();

/**
 * Compiles shipped source once per thread. Accepts function expressions, arrow functions and
 * method shorthand (`run() { ... }`, from a subclass's method).
 * @internal
 */
export function compileSource(source: string): (...args: unknown[]) => unknown {
  let fn = compiled.get(source);
  if (fn) return fn;
  try {
    fn = new Function(...helperNames, `return (${source}\n);`)(...helpers) as (...args: unknown[]) => unknown;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const holder = new Function(...helperNames, `return ({${source}\n});`)(...helpers) as Record<string, (...args: unknown[]) => unknown>;
    const method = Object.values(Object.getOwnPropertyDescriptors(holder))[0];
    fn = (method?.value ?? method?.get) as (...args: unknown[]) => unknown;
  }
  if (typeof fn !== 'function') throw new TypeError('compileSource: the shipped source is not a function');
  compiled.set(source, fn);
  return fn;
}

const imported = new Map<string, Promise<(...args: unknown[]) => unknown>>();

/**
 * Turns a target descriptor back into a callable: source is compiled once per thread, a
 * module imported once per thread.
 * @throws TypeError when the module has no such export or it is not a function.
 * @internal
 */
export function loadTarget(descriptor: TargetDescriptor): Promise<(...args: unknown[]) => unknown> {
  if (descriptor.type === 'source') {
    try {
      return Promise.resolve(compileSource(descriptor.source));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  const key = `${descriptor.module}#${descriptor.export}`;
  let loading = imported.get(key);
  if (!loading) {
    loading = import(descriptor.module).then((namespace: Record<string, unknown>) => {
      const fn = namespace[descriptor.export];
      if (typeof fn !== 'function') {
        throw new TypeError(`target module ${descriptor.module} has no function export '${descriptor.export}' (found ${typeName(fn)})`);
      }
      return fn as (...args: unknown[]) => unknown;
    });
    void loading.catch(() => imported.delete(key));
    imported.set(key, loading);
  }
  return loading;
}
