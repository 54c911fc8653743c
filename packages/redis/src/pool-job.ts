import { deserializeError, serializeError, type SerializedError } from '@conc/core/internal';
import type { EngineTarget } from '@conc/pool/internal';
import { decodeJson, encodeJson, type ShareableHooks } from './json-codec.js';

/**
 * What travels through Redis for a pool: one BullMQ job carries several units (an `apply`
 * call or a map chunk each) of one caller and one target; one entry on the caller's result
 * list carries the results of one job. Values inside are {@link encodeJson} data, so the job
 * is plain JSON (BullMQ stores job data as JSON, and dashboards show it).
 */

/** How a unit's payload is called (`@conc/pool`'s `Mode`): 0 apply, 1 map, 2 starmap. @internal */
export type UnitMode = 0 | 1 | 2;

/** One unit in a job: its id at the caller, its mode, its encoded payload. @internal */
export type JobUnit = [id: number, mode: UnitMode, payload: unknown];

/** The data of one job. @internal */
export interface PoolJobData {
  /** The caller's id: results go to its list; nothing runs once it is gone. */
  c: string;
  /** How many times the job may run again after its worker died. */
  r: number;
  /** The target. */
  t: EngineTarget;
  u: JobUnit[];
}

/** One unit's result: its id, whether it failed, the encoded value (or error). @internal */
export type UnitResult = [id: number, failed: 0 | 1, value: unknown];

/** One entry of a caller's result list: which worker ran the job (`host:pid`), and its results. @internal */
export type ResultEntry = [worker: string, results: UnitResult[]];

/**
 * Encodes a unit's payload for a job.
 * @throws DataCloneError naming the path of a value that cannot cross machines.
 * @internal
 */
export function encodePayload(payload: unknown, path: string, hooks?: ShareableHooks): unknown {
  return encodeJson(payload, path, hooks);
}

/** The payload of a unit as the worker runs it. @internal */
export function decodePayload(data: unknown, hooks?: ShareableHooks): unknown {
  return decodeJson(data, hooks);
}

/** A unit's outcome as an entry of a result list. @internal */
export function encodeResult(id: number, failed: boolean, value: unknown, hooks?: ShareableHooks): UnitResult {
  if (failed) return [id, 1, encodeError(value)];
  try {
    return [id, 0, encodeJson(value, 'result', hooks)];
  } catch (error) {
    // A value that cannot cross fails its own task (as in a local pool), not the job.
    return [id, 1, encodeError(error)];
  }
}

/** A result entry's outcome: the value, or the error rebuilt. @internal */
export function decodeResult(result: UnitResult, hooks?: ShareableHooks): { failed: boolean; value: unknown } {
  const [, failed, value] = result;
  return failed ? { failed: true, value: deserializeError(decodeJson(value) as SerializedError) } : { failed: false, value: decodeJson(value, hooks) };
}

/** Anything thrown, as data: its class name, message, stack, `code` and `cause` kept. */
function encodeError(error: unknown): unknown {
  try {
    return encodeJson(serializeError(error), 'error');
  } catch {
    return encodeJson(serializeError(new Error(String(error))), 'error');
  }
}
