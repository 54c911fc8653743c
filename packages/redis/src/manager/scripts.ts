import type { Redis } from 'ioredis';
import { dataScripts } from './data-scripts.js';
import { syncScripts } from './sync-scripts.js';

/**
 * The Lua scripts behind the manager's objects. Each runs atomically in Redis; every key it
 * touches is passed in KEYS, and all the keys of one object share a `{hash tag}`, so each
 * script touches one Redis Cluster slot. Errors start with a word the session turns into an
 * error class (`STATE` -> StateError, `LEASE` -> StateError, `RANGE`, `SHUTDOWN`, `BROKEN`).
 * A change that can end a wait is published on the object's channel (an ARGV: channels are
 * not keys).
 */

const scripts = { ...dataScripts, ...syncScripts };

type ScriptName = keyof typeof scripts;

/** The scripts as commands of an ioredis connection (each also as `<name>Buffer`, replying Buffers). @internal */
export type Scripts = {
  [K in ScriptName]: (...args: (string | number | Buffer)[]) => Promise<unknown>;
} & {
  [K in ScriptName as `${K}Buffer`]: (...args: (string | number | Buffer)[]) => Promise<unknown>;
};

/** Defines the scripts on `redis` (EVALSHA, loading a script Redis lost after a restart). @internal */
export function defineScripts(redis: Redis): void {
  for (const [name, script] of Object.entries(scripts)) {
    redis.defineCommand(name, { lua: script.lua, ...('numberOfKeys' in script ? { numberOfKeys: script.numberOfKeys } : {}) });
  }
}
