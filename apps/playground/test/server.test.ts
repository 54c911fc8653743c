// The server without a browser: what it answers, what it refuses, and runs of edited text
// (checked by TypeScript first, killed at the time limit with every process they started).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type PlaygroundServer } from '../src/server.js';
import { fromStderr } from '../web/problems.js';

let server: PlaygroundServer;

beforeAll(async () => {
  server = await startServer({ port: 0 });
});

afterAll(async () => {
  await server?.close();
});

type Message = Record<string, any>;

/** Posts a run and reads its whole stream. */
async function run(name: string, source: string, to = server): Promise<Message[]> {
  const response = await fetch(new URL('/api/run', to.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, source }),
  });
  expect(response.status).toBe(200);
  const text = await response.text();
  return text.split('\n\n').filter((block) => block.startsWith('data: ')).map((block) => JSON.parse(block.slice(6)) as Message);
}

const stdoutOf = (messages: Message[]): string => messages.filter((m) => m.type === 'stdout').map((m) => m.text as string).join('');
const stderrOf = (messages: Message[]): string => messages.filter((m) => m.type === 'stderr').map((m) => m.text as string).join('');

describe('the server', () => {
  it('answers the program list, a program and the template, and refuses unknown programs and paths', async () => {
    const list = (await (await fetch(new URL('/api/programs', server.url))).json()) as { name: string }[];
    expect(list.map((program) => program.name)).toContain('pool-apply-async');
    const one = (await (await fetch(new URL('/api/programs/timer', server.url))).json()) as { source: string; python: string };
    expect(one.source).toContain("import { Timer } from '@conc/process'");
    expect(one.python).toContain('threading.Timer');
    const template = (await (await fetch(new URL('/api/template', server.url))).json()) as { name: string; source: string };
    expect(template.name).toBe('new-program');
    expect(template.source).toContain("import { Thread } from '@conc/process'");
    expect((await fetch(new URL('/api/programs/no-such', server.url))).status).toBe(404);
    expect((await fetch(new URL('/nothing-here', server.url))).status).toBe(404);
    const post = (body: unknown): Promise<Response> => fetch(new URL('/api/run', server.url), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    expect((await post({ name: '../src/main', source: '' })).status).toBe(404);
    expect((await post({ name: 'timer' })).status).toBe(400);
    expect((await post({ name: 'timer', source: 'x'.repeat(300 * 1024) })).status).toBe(413);
    const stop = await fetch(new URL('/api/stop/999', server.url), { method: 'POST', headers: { 'content-type': 'application/json' } });
    expect(((await stop.json()) as { stopped: boolean }).stopped).toBe(false);
  });

  it('listens on 127.0.0.1 and answers only requests meant for it, runs only from its own page', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { port } = new URL(server.url);
    const { request } = await import('node:http');
    // fetch does not let a page (or a test) choose the Host header; node:http does.
    const status = (headers: Record<string, string>, method = 'GET', path = '/api/programs'): Promise<number> => new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.once('error', reject);
      req.end(method === 'POST' ? JSON.stringify({ name: 'timer', source: 'console.log(1)' }) : undefined);
    });
    expect(await status({ host: `localhost:${port}` })).toBe(200);
    // A page elsewhere whose name was rebound to 127.0.0.1.
    expect(await status({ host: `attacker.example:${port}` })).toBe(403);
    // Another site's page posting a run: as a simple request (no preflight), or from its origin.
    expect(await status({ host: `127.0.0.1:${port}`, 'content-type': 'text/plain' }, 'POST', '/api/run')).toBe(403);
    expect(await status({ host: `127.0.0.1:${port}`, 'content-type': 'application/json', origin: 'http://attacker.example' }, 'POST', '/api/run')).toBe(403);
  });
});

describe('runs of edited text', () => {
  it('runs the new-program template as it is: its output, no problems', async () => {
    const template = (await (await fetch(new URL('/api/template', server.url))).json()) as { source: string };
    const messages = await run('new-program', template.source);
    expect(messages[0]).toMatchObject({ type: 'started', program: 'new-program', file: 'new-program.ts' });
    expect(messages.at(-1)).toMatchObject({ type: 'exit', code: 0, timedOut: false });
    expect(stdoutOf(messages)).toContain('all done');
    expect(stdoutOf(messages).match(/worker-\d step \d/g)).toHaveLength(6);
    expect(messages.filter((m) => m.type === 'diagnostics')).toEqual([{ type: 'diagnostics', check: 'types', diagnostics: [] }]);
  });

  it('refuses to run text with a syntax error, saying where; runs text with a type error and reports it', async () => {
    const broken = await run('timer', "import { Timer } from '@conc/process';\nconst t = new Timer(;\n");
    expect(broken.map((m) => m.type)).toEqual(['started', 'diagnostics', 'exit']);
    expect(broken[1]).toMatchObject({ check: 'syntax', diagnostics: [{ line: 2, column: 21, code: 1005, message: "')' expected." }] });
    expect(broken[2]).toMatchObject({ rejected: true, code: null });

    const mistyped = await run('timer', "const n: number = 'seven';\nconsole.log('ran', n);\nexport {};\n");
    expect(stdoutOf(mistyped)).toBe('ran seven\n');
    const types = mistyped.find((m) => m.type === 'diagnostics')!;
    expect(types).toMatchObject({ check: 'types', diagnostics: [{ line: 1, column: 7, code: 2322 }] });
    // Every diagnostic comes before the exit.
    expect(mistyped.at(-1)).toMatchObject({ type: 'exit', code: 0 });
  });

  it('reports uncaught errors, the main thread\'s at its line in the edited text', async () => {
    const messages = await run('thread-call', [
      "import { Thread } from '@conc/process';",
      "const t = new Thread({ target: () => { throw new TypeError('in the thread'); }, name: 'worker' });",
      't.start();',
      'await t.join();',
      "console.error('Error: printed, not raised');",
      'function fail(): never {',
      "  throw new RangeError('too far');",
      '}',
      'fail();',
    ].join('\n'));
    const stderr = stderrOf(messages);
    expect(stderr).toMatch(/RangeError: too far\n\s+at fail \(thread-call\.ts:7:9\)/);
    // The temporary file's path is not shown: the page names the file as it shows it.
    expect(stderr).not.toContain('.runs');
    expect(messages.at(-1)).toMatchObject({ type: 'exit', code: 1 });
    // What the page lists: the thread's error while the program runs; the main thread's (with its
    // line) once it has failed; never a message it merely printed, while it has not failed.
    expect(fromStderr(stderr, 'thread-call.ts', false)).toEqual([
      { severity: 'error', kind: 'uncaught, in thread worker', message: 'TypeError: in the thread' },
    ]);
    expect(fromStderr(stderr, 'thread-call.ts', true).at(-1)).toEqual(
      { severity: 'error', kind: 'uncaught', message: 'RangeError: too far', line: 7, column: 9 },
    );
  });

  it('kills a run at the time limit, with the processes it started', async () => {
    const limited = await startServer({ port: 0, timeLimit: 2000 });
    const messages = await run('process-info', [
      "import { Process } from '@conc/process';",
      'const p = new Process({ target: () => new Promise(() => setInterval(() => {}, 1000)) });',
      'p.start();',
      "console.log('child', p.pid);",
      'while (true) {}',
    ].join('\n'), limited).finally(() => limited.close());
    const child = Number(/child (\d+)/.exec(stdoutOf(messages))![1]);
    expect(messages.at(-1)).toMatchObject({ type: 'exit', timedOut: true, signal: 'SIGKILL' });
    // Killed with the group: gone, or a zombie until whoever adopted it reaps it.
    const state = (): string => {
      try {
        return /\) (\w)/.exec(readFileSync(`/proc/${child}/stat`, 'utf8'))![1]!;
      } catch {
        return 'gone';
      }
    };
    for (let i = 0; i < 40 && !['gone', 'Z'].includes(state()); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(['gone', 'Z']).toContain(state());
  });
});
