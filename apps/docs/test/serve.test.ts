import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The docs:serve script, for real: a server process on a free port over a small site.
const script = resolve(import.meta.dirname, '../src/serve.ts');
let root: string;
let server: ChildProcess;
let base: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'conc-serve-'));
  mkdirSync(join(root, 'site/documents'), { recursive: true });
  writeFileSync(join(root, 'site/index.html'), '<h1>home</h1>');
  writeFileSync(join(root, 'site/documents/Guide.html'), '<h1>guide</h1>');
  writeFileSync(join(root, 'site/chart.svg'), '<svg/>');
  writeFileSync(join(root, 'secret.txt'), 'outside the site');
  server = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0', '--root', join(root, 'site')], { stdio: ['ignore', 'pipe', 'inherit'] });
  base = await new Promise<string>((found, failed) => {
    let out = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /http:\/\/localhost:\d+\//.exec(out);
      if (url) found(url[0]);
    });
    server.on('exit', (code) => failed(new Error(`the server exited with ${code}: ${out}`)));
  });
});

afterAll(() => {
  server?.kill();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('docs:serve', () => {
  it('prints its URL and serves the home page for /', async () => {
    const response = await fetch(base);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toBe('<h1>home</h1>');
  });

  it('serves files with their type, and 404 for what is not there', async () => {
    expect(await (await fetch(`${base}documents/Guide.html`)).text()).toBe('<h1>guide</h1>');
    expect((await fetch(`${base}chart.svg`)).headers.get('content-type')).toBe('image/svg+xml');
    expect((await fetch(`${base}missing.html`)).status).toBe(404);
  });

  it('never serves a file outside the site', async () => {
    // Raw request paths: fetch() would normalise the dot segments away before sending.
    const status = (path: string) =>
      new Promise<number | undefined>((done, failed) => {
        const url = new URL(base);
        get({ host: url.hostname, port: url.port, path }, (response) => {
          response.resume();
          done(response.statusCode);
        }).on('error', failed);
      });
    for (const path of ['/../secret.txt', '/documents/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt']) {
      expect(await status(path), path).toBe(404);
    }
    expect(await status('/documents/../index.html')).toBe(200);
  });
});
