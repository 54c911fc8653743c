import type { Target } from '@conc/core';
import { describeTarget } from '@conc/core/internal';
import type { EngineTarget } from './engine.js';

type Fn = (...args: any[]) => unknown;

/**
 * Numbers the targets a pool has been given, so that a unit names its target by id and a
 * worker gets each definition once. The same source text or module export is one id; a
 * function seen before skips reading its source again.
 * Exported through `@conc/pool/internal`.
 */
export class TargetRegistry {
  readonly #ids = new WeakMap<Fn, number>();
  readonly #keys = new Map<string, number>();
  readonly #descriptors = new Map<number, EngineTarget>();

  /**
   * The id of `fn`, checking it the first time.
   * @throws TypeError for something that is not a target (`what` names the call).
   */
  idOf(fn: Target, what: string): number {
    if (typeof fn === 'function') {
      const known = this.#ids.get(fn);
      if (known !== undefined) return known;
    }
    let descriptor: EngineTarget = describeTarget(fn, what);
    const module = typeof fn === 'object' && fn !== null ? (fn as { module?: unknown }).module : undefined;
    if (typeof module === 'string' && /^\.\.?\//.test(module)) descriptor = { ...descriptor, specifier: module };
    const key = descriptor.type === 'source' ? `s:${descriptor.source}` : `m:${descriptor.module}#${descriptor.export}`;
    let id = this.#keys.get(key);
    if (id === undefined) {
      id = this.#keys.size + 1;
      this.#keys.set(key, id);
      this.#descriptors.set(id, descriptor);
    }
    if (typeof fn === 'function') this.#ids.set(fn, id);
    return id;
  }

  /** The descriptor of an id this registry gave out. */
  get(id: number): EngineTarget {
    return this.#descriptors.get(id)!;
  }
}
