import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Manager } from '@conc/manager';
import { exited, message, startClient, within } from './helpers.js';

// The race behind the rare 60 s time-outs of 'producers here, 3 consumer threads' and 'kind
// thread over TCP with port 0': the workers had finished, but a test listened for their 'exit'
// after it had fired.

let manager: Manager;
beforeAll(async () => {
  manager = await Manager.start();
});
afterAll(async () => {
  await manager.shutdown();
});

describe('test helpers: a worker that has already exited', () => {
  test('exited() resolves with its code and message() rejects, instead of waiting forever', async () => {
    const dict = await manager.dict<number, string>();
    const worker = startClient('append', { list: await manager.list(), dict, id: 'w', times: 3 });
    await new Promise((resolve) => worker.once('exit', resolve));
    expect(await within(exited(worker), 10_000, 'exited() after the exit')).toBe(0);
    await expect(within(message(worker, (m) => m === 'never'), 10_000, 'message() after the exit')).rejects.toThrow(/exited \(code 0\) before posting/);
    expect(await dict.get('w')).toBe(3);
  });

  test('its last message and its exit arrive together (this thread was busy): both are seen', async () => {
    const dict = await manager.dict<number, number>();
    const word = new SharedArrayBuffer(4);
    const worker = startClient('signal-when-done', { dict, times: 10 }, { signal: word });
    // Blocked, this thread lets the worker post 'done' and exit before it reads either.
    expect(Atomics.wait(new Int32Array(word), 0, 0, 30_000)).toBe('ok');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    expect(await within(message(worker, (m) => m === 'done'), 10_000, "the 'done' message")).toBe('done');
    expect(await within(exited(worker), 10_000, 'exited() after the last message')).toBe(0);
    expect(await dict.len()).toBe(10);
  });
});
