import { typeName } from '@conc/core/internal';
import type { CallContext } from './waiters.js';

/**
 * An object the server holds. Only the names in the class's `exposed` set can be called from
 * the wire: a request names a method, and nothing else on the object (its constructor, its
 * prototype, its private helpers) is reachable.
 * @internal
 */
export abstract class ServerObject {
  abstract readonly typeid: string;
  protected abstract readonly exposed: ReadonlySet<string>;

  invoke(method: string, args: unknown[], ctx: CallContext): unknown {
    if (!this.exposed.has(method)) throw new TypeError(`a ${this.typeid} proxy has no method '${method}'`);
    return (this as unknown as Record<string, (ctx: CallContext, ...args: unknown[]) => unknown>)[method]!(ctx, ...args);
  }
}

/** Checks a timeout as it arrives on the wire (ms, or Infinity). @internal */
export function wireTimeout(value: unknown, what: string): number {
  if (value === undefined || value === null) return Infinity;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${what}: timeout must be a non-negative number of milliseconds, got ${typeName(value)}`);
  }
  return value;
}

/** Checks a count argument: an integer >= `min`. @internal */
export function wireCount(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${what} must be an integer, got ${typeName(value)}`);
  if (value < min) throw new RangeError(`${what} must be >= ${min}, got ${value}`);
  return value;
}

/** A list/array index: an integer, negative counting from the end. @internal */
export function wireIndex(value: unknown, length: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${what}: index must be an integer, got ${typeName(value)}`);
  const at = value < 0 ? value + length : value;
  if (at < 0 || at >= length) throw new RangeError(`${what}: index ${value} out of range (length ${length})`);
  return at;
}
