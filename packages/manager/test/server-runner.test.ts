import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Manager } from '@conc/manager';
import { within } from './helpers.js';

describe.each(['thread', 'process'] as const)('a server of kind %s', (kind) => {
  test('its default socket is in a directory of its own, removed by shutdown', async () => {
    const manager = await Manager.start({ kind });
    const { address } = manager;
    if (!('path' in address)) throw new Error(`expected a Unix socket, got ${JSON.stringify(address)}`);
    const dir = dirname(address.path);
    expect(existsSync(address.path)).toBe(true);
    await manager.shutdown();
    expect(existsSync(dir)).toBe(false);
  });

  test('a listen error is reported and nothing is left running', async () => {
    const taken = await Manager.start({ address: { host: '127.0.0.1', port: 0 } });
    try {
      await expect(within(Manager.start({ kind, address: taken.address }), 20_000, 'a start on a taken port')).rejects.toThrow(/EADDRINUSE/);
      // The server that could not listen is gone: the one that holds the port still serves.
      expect(await (await taken.dict({ still: 'here' })).get('still')).toBe('here');
    } finally {
      await taken.shutdown();
    }
  });

  test('a program that ends without shutting its manager down exits and leaves no socket directory', async () => {
    const program = spawn(process.execPath, [new URL('./fixtures/start-and-exit.mjs', import.meta.url).pathname, kind], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    program.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const code = await within(new Promise<number | null>((resolve) => program.once('exit', resolve)), 20_000, 'the program that did not shut its manager down');
    expect(code).toBe(0);
    const { address } = JSON.parse(out.split('\n')[0]!) as { address: Manager['address'] };
    if (!('path' in address)) throw new Error(`expected a Unix socket, got ${JSON.stringify(address)}`);
    expect(existsSync(dirname(address.path))).toBe(false);
  });
});
