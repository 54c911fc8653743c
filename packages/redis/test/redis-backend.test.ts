import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBackend } from '@conc/redis';
import { startRedis, type RedisServer } from './redis-server.js';

let server: RedisServer;
beforeAll(async () => { server = await startRedis(); });
afterAll(async () => { await server.stop(); });

describe('RedisBackend', () => {
  it('opens connections to the server and closes them all', async () => {
    const backend = new RedisBackend({ url: server.url, prefix: 'test' });
    const a = backend.connect();
    const b = backend.connect();
    expect(await a.ping()).toBe('PONG');
    await b.set('test:key', '1');
    expect(await a.get('test:key')).toBe('1');
    await backend.close();
    expect(backend.closed).toBe(true);
    expect(() => backend.connect()).toThrow(/closed/);
    await backend.close();
  });

  it('rejects bad options with a TypeError', () => {
    expect(() => new RedisBackend({ url: 'http://x' })).toThrow(TypeError);
    expect(() => new RedisBackend({ prefix: '' })).toThrow(TypeError);
    expect(() => new RedisBackend({ prefix: 'a{b}' })).toThrow(TypeError);
    expect(() => new RedisBackend(null as never)).toThrow(TypeError);
  });
});
