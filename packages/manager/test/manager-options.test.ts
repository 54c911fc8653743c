import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Manager, type ManagerBackend } from '@conc/manager';

// Never opened: every check below must refuse the options before a backend is asked anything.
const unopenedBackend: ManagerBackend = { openManager: () => Promise.reject(new Error('the backend was opened despite bad options')) };

describe('Manager.start and Manager.connect', () => {
  test('start refuses bad options, each with the error its kind calls for', async () => {
    await expect(Manager.start(null as never)).rejects.toThrow(/options must be an object/);
    await expect(Manager.start({ kind: 'fiber' as never })).rejects.toThrow(TypeError);
    await expect(Manager.start({ authkey: '' })).rejects.toThrow(RangeError);
    await expect(Manager.start({ authkey: 5 as never })).rejects.toThrow(TypeError);
    await expect(Manager.start({ address: { host: 'localhost', port: 70000 } })).rejects.toThrow(RangeError);
    await expect(Manager.start({ callTimeout: -1 })).rejects.toThrow(RangeError);
    await expect(Manager.start({ callTimeout: Number.NaN })).rejects.toThrow(/callTimeout must be a positive number/);
  });

  test('connect refuses bad options, for a server and for a backend alike', async () => {
    await expect(Manager.connect(undefined as never)).rejects.toThrow(/options must be \{ address, authkey \} or \{ backend \}/);
    await expect(Manager.connect({ address: { path: '' }, authkey: 'x' })).rejects.toThrow(TypeError);
    await expect(Manager.connect({ address: { path: '/x' }, authkey: new Uint8Array(0) })).rejects.toThrow(RangeError);
    await expect(Manager.connect({ address: { path: '/x' }, authkey: 'x', callTimeout: 0 })).rejects.toThrow(RangeError);
    await expect(Manager.connect({ backend: {} as never })).rejects.toThrow(/backend must be a manager backend/);
    await expect(Manager.connect({ backend: unopenedBackend, callTimeout: -5 })).rejects.toThrow(/Manager.connect: callTimeout must be a positive number/);
  });
});

describe('the factories\' { name, lease }', () => {
  let manager: Manager;
  beforeAll(async () => {
    manager = await Manager.start();
  });
  afterAll(() => manager.shutdown());

  test('are checked, then refused by a local manager (they need a backend)', async () => {
    await expect(manager.lock(5 as never)).rejects.toThrow(/options must be an object/);
    await expect(manager.dict(undefined, { name: '' })).rejects.toThrow(/name must be a non-empty string/);
    await expect(manager.dict(undefined, { name: 'shared' })).rejects.toThrow(/need a backend/);
    await expect(manager.dict(undefined, { lease: 1000 })).rejects.toThrow(/lease applies to lock, rlock, semaphore and boundedSemaphore only/);
    await expect(manager.lock({ lease: 5 })).rejects.toThrow(RangeError);
    await expect(manager.semaphore(1, { lease: Infinity })).rejects.toThrow(RangeError);
    await expect(manager.lock({ lease: 1000 })).rejects.toThrow(/leases need a backend/);
    await expect(manager.barrier(2, null as never)).rejects.toThrow(/Manager.barrier: opts must be an object/);
    // Refused options make nothing: the manager still makes objects as before.
    expect(await (await manager.dict({ a: 1 })).get('a')).toBe(1);
  });
});
