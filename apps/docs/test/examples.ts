/**
 * Finds the runnable TypeScript examples: the ```ts blocks of the guides (`docs/*.md`), the
 * READMEs (the root's and each package's) and
 * the TSDoc comments in every package's sources (`packages/*\/src/**\/*.ts`). A block whose
 * fence says `no-run` (```ts no-run) is illustrative only and is left out.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One code block to run. */
export interface Example {
  /** Where it is, as `path:line` from the repository root (the line of the opening fence). */
  where: string;
  /** What it documents: the guide's file name or the declaration under the comment. */
  about: string;
  code: string;
}

const FENCE = /^(`{3,}|~{3,})\s*(\S*)\s*(.*)$/;
const RUNNABLE = new Set(['ts', 'typescript', 'mts']);

/**
 * The runnable blocks of a Markdown text, with the line where each starts.
 *
 * @param lines - The text's lines (for a TSDoc comment, with the ` * ` prefixes removed).
 * @returns Each block's first line number (1-based, of the opening fence) and code.
 */
export function codeBlocks(lines: string[]): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!.trim());
    if (!open) continue;
    const [, fence, lang, rest] = open as unknown as [string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trim().startsWith(fence) && line.trim().replaceAll(fence[0]!, '') === '') break;
      body.push(line);
    }
    if (RUNNABLE.has(lang.toLowerCase()) && !/\bno-run\b/.test(rest)) blocks.push({ line: i + 1, code: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** The name a declaration line declares: `export abstract class Foo<T> extends Bar {` gives `Foo`. */
function nameOf(line: string): string {
  const rest = line.trim().replace(/^((export|default|declare|abstract|static|async|public|protected|readonly|get|set|class|interface|type|function\*?|const|let|var|enum|namespace)\s+)+/, '');
  return /^[\w$#[\].]+/.exec(rest)?.[0] ?? rest.slice(0, 40);
}

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path, keep));
    else if (keep(entry.name)) found.push(path);
  }
  return found.sort();
}

/**
 * The blocks of the guides in `docs/` (not its subdirectories: `docs/performance/` holds the
 * bench app's output), of the root README and of every package's README (the site shows each
 * package's README as its module page).
 *
 * @param root - The repository root.
 * @returns The examples, in file order.
 */
export function guideExamples(root: string): Example[] {
  const dir = join(root, 'docs');
  const guides = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.md')).map((e) => join(dir, e.name)).sort();
  const readmes = [join(root, 'README.md'), ...readdirSync(join(root, 'packages')).sort().map((name) => join(root, 'packages', name, 'README.md'))].filter((file) => existsSync(file));
  return [...guides, ...readmes].flatMap((file) =>
    codeBlocks(readFileSync(file, 'utf8').split('\n')).map((b) => ({ where: `${relative(root, file)}:${b.line}`, about: relative(root, file), code: b.code })),
  );
}

/**
 * The blocks inside the `/** ... *\/` comments of every package's TypeScript sources.
 *
 * @param root - The repository root.
 * @returns The examples, in file order.
 */
export function tsdocExamples(root: string): Example[] {
  const examples: Example[] = [];
  const packages = join(root, 'packages');
  for (const name of readdirSync(packages).sort()) {
    const src = join(packages, name, 'src');
    let files: string[];
    try {
      files = filesUnder(src, (n) => n.endsWith('.ts') && !n.endsWith('.d.ts'));
    } catch {
      continue; // a package without sources yet
    }
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      for (let i = 0; i < lines.length; i++) {
        if (!lines[i]!.trim().startsWith('/**')) continue;
        const start = i;
        while (i < lines.length && !lines[i]!.includes('*/')) i++;
        // Strip the comment's frame: '/**', '*/' and each line's leading ' * '.
        const body = lines.slice(start, i + 1).map((l) => l.replace(/^\s*\/\*\*\s?/, '').replace(/\s*\*\/\s*$/, '').replace(/^\s*\* ?/, ''));
        const blocks = codeBlocks(body);
        if (blocks.length === 0) continue;
        const declaration = nameOf(lines.slice(i + 1).find((l) => l.trim() !== '') ?? '');
        for (const b of blocks) {
          examples.push({ where: `${relative(root, file)}:${start + b.line}`, about: `@conc/${name} ${declaration}`, code: b.code });
        }
      }
    }
  }
  return examples;
}

const LOGGED = /^(\s*)console\.log\((.*)\);\s*\/\/\s?(.*)$/;

/**
 * Makes an example check what it prints: a line `console.log(a, b); // 1 2` also fails the run
 * when what it prints does not agree with its comment. They agree when, ignoring whitespace
 * and quotes, the comment starts with the printed text (so `// 40000, every time` and
 * `// true: the lock was free` still read as prose). Other lines are left as they are.
 *
 * @param code - The example's code.
 * @returns Code to run instead.
 */
export function checkingComments(code: string): string {
  let checked = 0;
  const lines = code.split('\n').map((line, index) => {
    const logged = LOGGED.exec(line);
    if (!logged) return line;
    const [, indent, args, comment] = logged as unknown as [string, string, string, string];
    checked++;
    // Through globalThis, with console.log as the fallback: a line inside a thread's target
    // runs in a worker, where the helper does not exist.
    return `${indent}((globalThis as any).__conc_logged ?? ((_l: number, _c: string, ...a: unknown[]) => console.log(...a)))(${index + 1}, ${JSON.stringify(comment.trim())}, ${args});`;
  });
  if (checked === 0) return code;
  const helper = [
    "import { format as __conc_format } from 'node:util';",
    '(globalThis as any).__conc_logged = (line: number, comment: string, ...args: unknown[]): void => {',
    '  const printed = __conc_format(...args);',
    '  console.log(printed);',
    "  const plain = (text: string) => text.replace(/[\\s'\"`]/g, '');",
    '  if (!plain(comment).startsWith(plain(printed)) || plain(printed) === \'\') {',
    '    console.error(`example line ${line}: printed ${JSON.stringify(printed)}, but its comment says ${JSON.stringify(comment)}`);',
    '    process.exitCode = 1;',
    '  }',
    '};',
  ];
  return `${helper.join(' ')}\n${lines.join('\n')}`;
}
