/**
 * The pool's engine seam, for packages that run a pool elsewhere (`@conc/redis`). Not a public
 * API: it may change in any release.
 *
 * @packageDocumentation
 */
export type { PoolEngine, EngineHost, EngineOptions, EngineTarget, Prepared, PoolBackend } from './engine.js';
export { LocalEngine, type LocalEngineOptions } from './local-engine.js';
export { Unit, type UnitLedger } from './unit.js';
export { TargetRegistry } from './target-registry.js';
export { Mode } from './protocol.js';
