import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { checkingComments, codeBlocks, guideExamples, tsdocExamples, type Example } from './examples.js';

// Runs every ```ts block of the guides, the READMEs and the packages' TSDoc as its own ES module
// (TypeScript's transpileModule, then plain node: top-level await allowed; a tsx loader in every
// process would cost about a second per block) and requires exit code 0, so the documentation cannot rot; a
// `console.log(x); // expected` line must also print what its comment says. Each
// block runs in a fresh process from a temporary directory whose node_modules is the
// workspace's, so `import { Lock } from '@conc/sync'` loads the built package, as a user's
// code would. Two at a time (vitest.config.ts: maxConcurrency), generous timeouts: the
// machine is shared and some examples start threads and processes.
const root = resolve(import.meta.dirname, '../../..');
const BLOCK_TIMEOUT = 120_000;

const scratch = mkdtempSync(join(tmpdir(), 'conc-examples-'));
writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'conc-examples', private: true, type: 'module' }));
symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'), 'dir');
let count = 0;

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function runExample(example: Example): Promise<{ code: number | null; output: string }> {
  const dir = join(scratch, String(++count));
  mkdirSync(dir);
  const file = join(dir, 'example.mjs');
  const compiled = ts.transpileModule(checkingComments(example.code), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    reportDiagnostics: true,
  });
  const syntaxErrors = (compiled.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  if (syntaxErrors.length > 0) return Promise.resolve({ code: null, output: `does not compile: ${syntaxErrors.join('; ')}` });
  writeFileSync(file, compiled.outputText);
  return new Promise((done) => {
    execFile(
      process.execPath,
      [file],
      { cwd: scratch, timeout: BLOCK_TIMEOUT - 5_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        const timedOut = error?.killed ? `\n(killed after ${(BLOCK_TIMEOUT - 5_000) / 1000} s: the example did not end)` : '';
        done({ code, output: `${stdout}${stderr}${timedOut}`.slice(-4_000) });
      },
    );
  });
}

function check(examples: Example[]): void {
  for (const example of examples) {
    it.concurrent(`${example.where} ${example.about}`, async () => {
      const { code, output } = await runExample(example);
      expect(code, `${example.where} failed:\n--- code ---\n${example.code}\n--- output ---\n${output}`).toBe(0);
    }, BLOCK_TIMEOUT);
  }
}

describe('finding the blocks', () => {
  it('checks what a console.log line prints against its comment', () => {
    const code = checkingComments("const a = 1;\nconsole.log(a, 'x'); // 1 'x'\nconsole.log(a); // 1: prose\nconsole.log(a);");
    const call = '((globalThis as any).__conc_logged ?? ((_l: number, _c: string, ...a: unknown[]) => console.log(...a)))';
    expect(code.split('\n').slice(1)).toEqual(['const a = 1;', `${call}(2, "1 'x'", a, 'x');`, `${call}(3, "1: prose", a);`, 'console.log(a);']);
    expect(checkingComments('console.log(1);')).toBe('console.log(1);');
  });


  it('takes ts blocks, skips no-run and other languages, keeps the opening line', () => {
    const blocks = codeBlocks(['text', '```ts', 'a();', '```', '```sh', 'npm i', '```', '```ts no-run', 'b();', '```', '````typescript', '```', 'c();', '````']);
    expect(blocks).toEqual([
      { line: 2, code: 'a();' },
      { line: 11, code: '```\nc();' },
    ]);
  });

  it('finds blocks in the guides and in the TSDoc of the packages', () => {
    expect(guideExamples(root).length).toBeGreaterThan(0);
    expect(tsdocExamples(root).some((e) => e.where.startsWith('packages/core/src/'))).toBe(true);
  });
});

// Types rot too: every block must also type-check (strict, as users' code would be), in one
// TypeScript program over all of them.
function typeErrors(examples: Example[]): string[] {
  const dir = join(scratch, `typecheck-${++count}`);
  mkdirSync(dir);
  const files = examples.map((example, index) => {
    const file = join(dir, `example-${index}.ts`);
    writeFileSync(file, `${example.code}\nexport {};\n`);
    return file;
  });
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2024.d.ts', 'lib.esnext.disposable.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const index = d.file ? files.indexOf(d.file.fileName) : -1;
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const where = index >= 0 ? `${examples[index]!.where} (line ${line} of the block)` : (d.file?.fileName ?? 'options');
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('the examples type-check', () => {
  it('reports a type error with the block and line where it is', () => {
    const bad = { where: 'docs/x.md:3', about: 'x', code: "import { Lock } from '@conc/sync';\nconst held: string = new Lock().locked();" };
    const errors = typeErrors([bad]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^docs\/x\.md:3 \(line 2 of the block\): Type 'boolean' is not assignable to type 'string'/);
  });

  it('every ts block of the guides and the TSDoc compiles under strict TypeScript', () => {
    expect(typeErrors([...guideExamples(root), ...tsdocExamples(root)])).toEqual([]);
  });
});

describe('the ts blocks of the guides and READMEs run', () => {
  check(guideExamples(root));
});

describe('the @example blocks of the TSDoc run', () => {
  check(tsdocExamples(root));
});
