import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Packs every published package as npm would, installs the tarballs into a fresh project
// outside the workspace (no registry: every dependency is one of the tarballs), and loads each
// package from there with `import` and with `require()`.
const root = resolve(import.meta.dirname, '../../..');
const packages = readdirSync(join(root, 'packages'));
let project: string;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'conc-pack-'));
  const tarballs = packages.map((name) => {
    const out = run('npm', ['pack', '--json', '--pack-destination', project], join(root, 'packages', name));
    return join(project, (JSON.parse(out) as [{ filename: string }])[0].filename);
  });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh-project', private: true, type: 'module' }));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs], project);
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the packed packages in a fresh project', () => {
  it('every package packs only its dist, README and package.json', () => {
    for (const name of packages) {
      const [info] = JSON.parse(run('npm', ['pack', '--dry-run', '--json'], join(root, 'packages', name))) as [{ files: { path: string }[] }];
      const paths = info.files.map((f) => f.path);
      expect(paths).toContain('package.json');
      expect(paths).toContain('dist/index.js');
      expect(paths).toContain('dist/index.d.ts');
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
});
