import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every `@example` in the TSDoc really runs: each ```ts block is compiled, run in a fresh
// Node process against the built package, and what it prints is compared with the
// `// expected` comments after its console.log calls.
const src = new URL('../src/', import.meta.url);
const dist = pathToFileURL(createRequire(import.meta.url).resolve('@conc/process')).href;

function examples(): { file: string; code: string }[] {
  const out: { file: string; code: string }[] = [];
  for (const file of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(new URL(file, src), 'utf8');
    for (let at = text.indexOf('@example'); at >= 0; at = text.indexOf('@example', at + 1)) {
      const lines = text.slice(at, text.indexOf('*/', at)).split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
      const start = lines.indexOf('```ts');
      const end = lines.indexOf('```', start + 1);
      if (start >= 0 && end > start) out.push({ file, code: lines.slice(start + 1, end).join('\n') });
    }
  }
  return out;
}

const normalize = (s: string): string => s.replace(/[\s'"]/g, '');

describe('TSDoc examples', () => {
  const all = examples();
  it('are found in every source file that exports a user-facing function or class', () => {
    expect(all.length).toBeGreaterThanOrEqual(10);
  });
  for (const [n, { file, code }] of all.entries()) {
    it(`${file} example ${n} runs and prints what it says`, async () => {
      const js = ts.transpileModule(code.replaceAll("'@conc/process'", `'${dist}'`), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--input-type=module', '-e', js], { timeout: 30_000 }, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)));
      });
      const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/\s*(.*)$/gm)].map((m) => normalize(m[1]!.replace(/:.*$/, '')));
      const printed = stdout.trim().split('\n').map(normalize);
      expect(printed).toEqual(expected);
    });
  }
});
