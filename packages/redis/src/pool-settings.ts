import { typeName } from '@conc/core/internal';
import type { EngineOptions } from '@conc/pool/internal';
import type { Redis } from 'ioredis';
import { checkName, type PoolKeys } from './keys.js';

/** The BullMQ job name of pool jobs (the queue's name says whose they are). @internal */
export const POOL_JOB = 'conc-pool';

/** Defaults of the settings stored with a queue. @internal */
export const DEFAULT_RETRIES = 1;
/** @internal */
export const DEFAULT_STALLED_INTERVAL = 30_000;
/** How long a call waits for an unreachable Redis before it fails (ms). @internal */
export const CALL_TIMEOUT = 10_000;

/** What a pool on Redis runs with, checked. @internal */
export interface PoolSettings extends EngineOptions {
  name: string;
  retries: number;
  stalledInterval: number;
  /** Whether `retries`/`stalledInterval` were given (then they are stored with the queue). */
  explicit: { retries: boolean; stalledInterval: boolean };
  timeout: number;
}

/**
 * Checks the options of `new Pool({ backend, ... })` that only a Redis pool has.
 * @throws TypeError/RangeError saying what is accepted.
 * @internal
 */
export function poolSettings(options: EngineOptions, given: Readonly<Record<string, unknown>>): PoolSettings {
  const name = given['name'] === undefined ? 'default' : checkName(given['name'], 'Pool');
  const retries = checkInteger(given['retries'], 'retries', DEFAULT_RETRIES, 0);
  const stalledInterval = checkInteger(given['stalledInterval'], 'stalledInterval', DEFAULT_STALLED_INTERVAL, 100);
  return {
    ...options,
    name,
    retries,
    stalledInterval,
    explicit: { retries: given['retries'] !== undefined, stalledInterval: given['stalledInterval'] !== undefined },
    timeout: CALL_TIMEOUT,
  };
}

/** @internal */
export function checkInteger(value: unknown, name: string, fallback: number, min: number, what = 'Pool'): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${what}: ${name} must be an integer >= ${min}, got ${typeName(value)}`);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${what}: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/** The options of every pool job: its record goes once it has run (results travel apart). @internal */
export function poolJobOptions(): { removeOnComplete: true; removeOnFail: true } {
  return { removeOnComplete: true, removeOnFail: true };
}

/** What a queue stores about itself. @internal */
export interface QueueConfig {
  retries: number;
  stalledInterval: number;
}

/**
 * Stores a pool's `retries` and `stalledInterval` with its queue (those given; the defaults
 * only where nothing is stored yet), and returns what is stored.
 * @internal
 */
export async function storeQueueConfig(redis: Redis, keys: PoolKeys, settings: PoolSettings): Promise<QueueConfig> {
  const multi = redis.multi();
  for (const field of ['retries', 'stalledInterval'] as const) {
    if (settings.explicit[field]) multi.hset(keys.config, field, String(settings[field]));
    else multi.hsetnx(keys.config, field, String(settings[field]));
  }
  multi.hgetall(keys.config);
  const replies = await multi.exec();
  return parseConfig((replies?.at(-1)?.[1] ?? {}) as Record<string, string>);
}

/**
 * Reads the settings stored with a queue, storing the defaults where none are.
 * @internal
 */
export async function loadQueueConfig(redis: Redis, keys: PoolKeys): Promise<QueueConfig> {
  const replies = await redis.multi()
    .hsetnx(keys.config, 'retries', String(DEFAULT_RETRIES))
    .hsetnx(keys.config, 'stalledInterval', String(DEFAULT_STALLED_INTERVAL))
    .hgetall(keys.config)
    .exec();
  return parseConfig((replies?.at(-1)?.[1] ?? {}) as Record<string, string>);
}

function parseConfig(stored: Record<string, string>): QueueConfig {
  const retries = Number(stored['retries']);
  const stalledInterval = Number(stored['stalledInterval']);
  return {
    retries: Number.isInteger(retries) && retries >= 0 ? retries : DEFAULT_RETRIES,
    stalledInterval: Number.isInteger(stalledInterval) && stalledInterval >= 100 ? stalledInterval : DEFAULT_STALLED_INTERVAL,
  };
}
