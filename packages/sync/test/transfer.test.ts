import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { kindInfo, prepare, reviveSync, threadIdentity, toDescriptor, withIdentity, type TraceEvent } from '@conc/core/internal';
import { Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore, SharedArray, Value } from '@conc/sync';
import { start } from './threads.js';

describe('crossing threads (the transfer protocol)', () => {
  it('every class registers its kind with its synchronous methods', () => {
    for (const name of ['Lock', 'RLock', 'Condition', 'Semaphore', 'BoundedSemaphore', 'Event', 'Barrier', 'Value', 'SharedArray']) {
      const info = kindInfo(`@conc/sync:${name}`);
      expect(info, name).toBeDefined();
      expect(Array.isArray(info!.syncMethods), name).toBe(true);
    }
    expect(kindInfo('@conc/sync:Lock')!.syncMethods).toContain('release');
    expect(kindInfo('@conc/sync:Condition')!.syncMethods).toEqual(expect.arrayContaining(['notify', 'notifyAll', 'release']));
    expect(kindInfo('@conc/sync:Event')!.syncMethods).toEqual(expect.arrayContaining(['set', 'clear', 'isSet']));
  });

  it('objects at any depth (arrays, objects, Map, Set) arrive as the same objects', async () => {
    const lock = new Lock();
    const cond = new Condition(lock);
    const value = new Value('i', 5);
    const args = { deep: [{ m: new Map([['k', new Set([value])]]) }], cond, lock, sem: new BoundedSemaphore(2), e: new Event() };
    const seen = await start((a: typeof args) => {
      const v = [...a.deep[0]!.m.get('k')!][0]!;
      v.value = 42;
      a.e.set();
      a.sem.acquireSync();
      // The condition revived over the same lock memory as the lock passed next to it.
      a.lock.acquireSync();
      const held = (a.cond as unknown as { _lock: Lock })._lock.locked();
      a.lock.release();
      return { held, ctor: a.cond.constructor.name, semName: a.sem.constructor.name };
    }, args).result;
    expect(seen).toEqual({ held: true, ctor: 'Condition', semName: 'BoundedSemaphore' });
    expect(value.value).toBe(42);
    expect(args.e.isSet()).toBe(true);
    expect(args.sem.value).toBe(1);
    expect(() => args.sem.release(2)).toThrow(/too many/);
  });

  it('a revived copy in this thread shares state with the original', () => {
    const objects = { l: new RLock(), s: new Semaphore(3), b: new Barrier(2, { timeout: 1000 }), a: new SharedArray('u16', [1, 2]) };
    const copy = reviveSync(structuredClone(prepare(objects, 'objects').value)) as typeof objects;
    expect(copy.l).not.toBe(objects.l);
    copy.s.acquireSync();
    expect(objects.s.value).toBe(2);
    copy.a.set(1, 9);
    expect(objects.a.toArray()).toEqual([1, 9]);
    expect(copy.b.parties).toBe(2);
    copy.l.acquireSync();
    expect(objects.l.locked()).toBe(true);
    objects.l.release(); // same thread, same owner
    expect(copy.l.locked()).toBe(false);
  });

  it('a descriptor of another kind is a TypeError, not corruption', () => {
    const lockDescriptor = (new Lock() as unknown as { [toDescriptor](): Record<string, unknown> })[toDescriptor]();
    expect(() => kindInfo('@conc/sync:Event')!.revive({ ...lockDescriptor, kind: '@conc/sync:Event' })).toThrow(TypeError);
  });

  it('RLock ownership follows withIdentity (how a broker acts for another process\'s thread)', async () => {
    const lock = new RLock();
    const other = threadIdentity() + 1000;
    withIdentity(other, () => lock.acquireSync());
    expect(() => lock.release()).toThrow(/another thread/);
    expect(lock.acquireSync({ blocking: false })).toBe(false);
    await withIdentity(other, () => lock.acquire()); // re-entrant for that identity
    withIdentity(other, () => lock.release());
    withIdentity(other, () => lock.release());
    expect(lock.locked()).toBe(false);
  });

  it('loads with require() too (Node >= 20.19 require(esm))', () => {
    const required = createRequire(import.meta.url)('@conc/sync') as typeof import('@conc/sync');
    expect(typeof required.Lock).toBe('function');
  });
});

describe('tracing', () => {
  it('publishes acquire/release/wait/notify/set events only to subscribers', async () => {
    const events: TraceEvent[] = [];
    const listen = (message: unknown): void => void events.push(message as TraceEvent);
    subscribe('@conc/trace', listen);
    try {
      const lock = new Lock();
      await lock.with(() => undefined);
      const cond = new Condition();
      await cond.acquire();
      await cond.wait(1);
      cond.notify();
      cond.release();
      const e = new Event();
      e.set();
      e.clear();
      const s = new Semaphore(1);
      s.acquireSync();
      s.release();
      // Waits that really block are published too, so a timeline can draw them.
      lock.acquireSync();
      expect(await lock.acquire(5)).toBe(false);
      lock.release();
      expect(await e.wait(5)).toBe(false);
      s.acquireSync();
      expect(s.acquireSync(5)).toBe(false);
      s.release();
    } finally {
      unsubscribe('@conc/trace', listen);
    }
    const kinds = events.map((e) => `${e.kind}:${e.type}`);
    expect(kinds).toEqual(expect.arrayContaining(['Lock:acquire', 'Lock:release', 'Condition:wait', 'Condition:wake', 'Event:set', 'Event:clear', 'Semaphore:acquire', 'Semaphore:release', 'RLock:acquire', 'Lock:wait', 'Event:wait', 'Semaphore:wait']));
    for (const e of events) expect(e.thread).toBe(threadIdentity());
  });
});
