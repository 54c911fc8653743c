import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
// Under node_modules: linters and type checks skip it, and `@conc/*` still resolve from there.
mkdirSync(join(packageDir, 'node_modules'), { recursive: true });
const scratch = mkdtempSync(join(packageDir, 'node_modules', '.conc-scripts-'));
let count = 0;
// Vitest's workers may end without an 'exit' event: clean up after each test file.
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What a script printed and how it ended. */
export interface ScriptResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

/**
 * Runs an ES module program in a fresh Node process (from this package's directory, so that
 * `@conc/*` and `./test/fixtures/...` resolve), as the Python tutorial programs run: output
 * and exit status are what a user would see. Vitest's transforms never touch it.
 */
export function runScript(source: string, options: { node?: string[]; timeout?: number; ext?: string } = {}): Promise<ScriptResult> {
  const file = join(scratch, `script-${process.pid}-${++count}.${options.ext ?? 'mjs'}`);
  writeFileSync(file, source);
  return new Promise((resolve, reject) => {
    execFile(
      options.node?.[0]?.startsWith('/') ? options.node[0] : process.execPath,
      [...(options.node?.[0]?.startsWith('/') ? options.node.slice(1) : (options.node ?? [])), file],
      { cwd: packageDir, timeout: options.timeout ?? 45_000 },
      (error, stdout, stderr) => {
        if (error && (error as { killed?: boolean }).killed) reject(new Error(`script timed out\n${stdout}\n${stderr}`));
        else resolve({ stdout, stderr, code: error ? ((error as { code?: number }).code ?? null) : 0, signal: error ? ((error as { signal?: string }).signal ?? null) : null });
      },
    );
  });
}

/**
 * A function built from source text. Vitest rewrites `import()` in test files into its own
 * loader, which does not exist in a worker: targets that import go through this.
 */
export function shipped<T extends (...args: any[]) => unknown>(source: string): T {
  return (0, eval)(`(${source})`) as T;
}

let node24: Promise<string> | undefined;

/** The path of a Node 24 binary (fetched once through npx), for the type-stripping tests. */
export function findNode24(): Promise<string> {
  // Already on a Node that strips types (CI's second pass): no need to fetch one.
  if (Number(process.versions.node.split('.')[0]) >= 24) return Promise.resolve(process.execPath);
  return (node24 ??= new Promise((resolve, reject) => {
    execFile('npx', ['-y', '-p', 'node@24', '-c', 'node -p process.execPath'], { timeout: 120_000 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout.trim().split('\n').pop()!);
    });
  }));
}
