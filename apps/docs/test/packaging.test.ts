import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Packs every published package as npm would, installs the tarballs into a fresh project
// outside the workspace (every @conc dependency is one of the tarballs), and loads each package
// from there with `import` and with `require()`. Third-party dependencies (@conc/redis's bullmq
// and ioredis) come from npm's cache when it has them, else from the registry: `npm ci` caches
// their tarballs but not the registry's version lists a fresh install needs to resolve ranges,
// so `--offline` fails on a fresh machine. Behind a TLS-inspecting proxy npm needs the machine's
// CA (NODE_EXTRA_CA_CERTS): turbo passes it and the proxy settings through (turbo.json); a
// registry that cannot be reached fails the install within its timeout, never a hang.
const root = resolve(import.meta.dirname, '../../..');
const packages = readdirSync(join(root, 'packages'));
let project: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' }, timeout: 180_000 });
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'conc-pack-'));
  const tarballs = packages.map((name) => {
    const out = run('npm', ['pack', '--json', '--pack-destination', project], join(root, 'packages', name));
    return join(project, (JSON.parse(out) as [{ filename: string }])[0].filename);
  });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh-project', private: true, type: 'module' }));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs], project);
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the packed packages in a fresh project', () => {
  it('every package packs its dist, README, LICENSE and package.json, and nothing else', () => {
    for (const name of packages) {
      const [info] = JSON.parse(run('npm', ['pack', '--dry-run', '--json'], join(root, 'packages', name))) as [{ files: { path: string }[] }];
      const paths = info.files.map((f) => f.path);
      expect(paths).toContain('package.json');
      expect(paths).toContain('dist/index.js');
      expect(paths).toContain('dist/index.d.ts');
      expect(paths, `${name}: README.md`).toContain('README.md');
      expect(paths, `${name}: LICENSE`).toContain('LICENSE');
      expect(paths.every((p) => p === 'package.json' || p === 'README.md' || p === 'LICENSE' || p.startsWith('dist/'))).toBe(true);
    }
  });

  it('imports every package with import', () => {
    const script = packages.map((name) => `const m_${name} = await import('@conc/${name}'); if (typeof m_${name}.ConcError !== 'function') throw new Error('${name}: no ConcError');`).join('\n') + "\nconsole.log('imported', " + packages.length + ');';
    writeFileSync(join(project, 'esm.mjs'), script);
    expect(run(process.execPath, ['esm.mjs'], project).trim()).toBe(`imported ${packages.length}`);
  });

  it('loads every package with require()', () => {
    const script = packages.map((name) => `const m_${name} = require('@conc/${name}'); if (typeof m_${name}.ConcError !== 'function') throw new Error('${name}: no ConcError');`).join('\n') + "\nconsole.log('required', " + packages.length + ');';
    writeFileSync(join(project, 'cjs.cjs'), script);
    const out = execFileSync(process.execPath, ['cjs.cjs'], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.trim()).toBe(`required ${packages.length}`);
  });

  it('one copy of the core: @conc/core errors are the same class through every package', () => {
    writeFileSync(join(project, 'same.mjs'), `
      import { ConcError } from '@conc/core';
      const all = await Promise.all(${JSON.stringify(packages)}.map((n) => import('@conc/' + n)));
      console.log(all.every((m) => m.ConcError === ConcError));
    `);
    expect(run(process.execPath, ['same.mjs'], project).trim()).toBe('true');
  });

  // A real thread from the installed packages: it blocks on a Lock the main thread holds, then
  // puts on a Queue; the main thread sees nothing until it releases the lock. This exercises
  // what only an install shows: the worker's entry file, and the revival of @conc objects by
  // package name, resolved from node_modules rather than from the workspace.
  const threadProgram = (awaitTopLevel: boolean): string => `
    const main = async () => {
      const lock = new Lock();
      const queue = new Queue();
      lock.acquireSync();
      const thread = new Thread({
        target: (lock, queue) => {
          lock.acquireSync();
          queue.putSync({ from: 'thread', locked: lock.locked() });
          lock.release();
        },
        args: [lock, queue],
      });
      thread.start();
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (!queue.empty()) throw new Error('the thread went past a held lock');
      lock.release();
      const item = await queue.get(60_000);
      if (!(await thread.join(60_000))) throw new Error('the thread did not end');
      if (thread.exception) throw thread.exception;
      if (item.from !== 'thread' || item.locked !== true || lock.locked()) throw new Error('unexpected ' + JSON.stringify(item));
      console.log('thread ok');
    };
    ${awaitTopLevel ? 'await main();' : 'main().catch((error) => { console.error(error); process.exitCode = 1; });'}
  `;

  it('an ESM program starts a real Thread and hands it a Lock and a Queue', () => {
    writeFileSync(
      join(project, 'thread.mjs'),
      `import { Thread } from '@conc/process';\nimport { Lock } from '@conc/sync';\nimport { Queue } from '@conc/queue';\n${threadProgram(true)}`,
    );
    expect(run(process.execPath, ['thread.mjs'], project).trim()).toBe('thread ok');
  });

  it('a require() program starts a real Thread and hands it a Lock and a Queue', () => {
    writeFileSync(
      join(project, 'thread.cjs'),
      `const { Thread } = require('@conc/process');\nconst { Lock } = require('@conc/sync');\nconst { Queue } = require('@conc/queue');\n${threadProgram(false)}`,
    );
    expect(run(process.execPath, ['thread.cjs'], project).trim()).toBe('thread ok');
  });

  it('an ESM program starts a real Process and hands it a Lock and a Queue', () => {
    writeFileSync(
      join(project, 'process.mjs'),
      `import { Process } from '@conc/process';
      import { Lock } from '@conc/sync';
      import { Queue } from '@conc/queue';
      const lock = new Lock();
      const queue = new Queue();
      const child = new Process({
        target: (lock, queue) => {
          lock.acquireSync();
          queue.putSync(process.pid);
          lock.release();
        },
        args: [lock, queue],
      });
      child.start();
      const pid = await queue.get(60_000);
      if (!(await child.join(60_000))) throw new Error('the process did not end');
      if (pid !== child.pid || pid === process.pid || child.exitCode !== 0 || lock.locked()) throw new Error('unexpected ' + JSON.stringify({ pid, exitCode: child.exitCode }));
      console.log('process ok');`,
    );
    expect(run(process.execPath, ['process.mjs'], project).trim()).toBe('process ok');
  });
});

