import { StateError } from '@conc/core';
import { reviveDescriptor, toDescriptor, typeName, type SharedDescriptor } from '@conc/core/internal';
import { Lock } from './lock.js';
import { RLock } from './rlock.js';

/** The `lock` option of `Value` and `SharedArray`. */
export type LockOption = boolean | Lock | RLock;

/** Turns the `lock` option into the lock to use (or none). @internal */
export function resolveLock(lock: unknown, what: string): Lock | RLock | undefined {
  if (lock === true || lock === undefined) return new RLock();
  if (lock === false) return undefined;
  if (lock instanceof Lock || lock instanceof RLock) return lock;
  throw new TypeError(`${what}: lock must be true (a new RLock), false (no lock) or a Lock/RLock, got ${typeName(lock)}`);
}

/** The lock, or a StateError for an object made with `lock: false`. @internal */
export function requireLock(lock: Lock | RLock | undefined, what: string): Lock | RLock {
  if (!lock) throw new StateError(`${what}: this object was made with { lock: false } and has no lock`);
  return lock;
}

/** The descriptor of the lock, for an object's own descriptor. @internal */
export function lockDescriptor(lock: Lock | RLock | undefined): SharedDescriptor | null {
  return lock ? lock[toDescriptor]() : null;
}

/** Rebuilds the lock from a descriptor's `lock` field. @internal */
export function reviveLock(field: unknown): Lock | RLock | false {
  return field ? (reviveDescriptor(field as SharedDescriptor) as Lock | RLock) : false;
}
