/**
 * The catalog of tutorial programs: every `programs/<name>.ts`, described by its header comment
 * (first line the title, then what it shows, then `Python:` and the Python it corresponds to).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The directory holding the programs. */
export const programsDir = fileURLToPath(new URL('../programs/', import.meta.url));

/** The page's "New program" starts from this file (described like the programs). */
const templatePath = `${programsDir}lib/new-program.ts`;

/** The order of the tutorial; programs not named here follow, alphabetically. */
const tutorialOrder = [
  'thread-call', 'thread-subclass', 'join-daemon', 'counter-race', 'counter-lock', 'rlock',
  'bounded-semaphore', 'timer', 'traffic-light', 'door-card', 'producer-consumer',
  'producer-consumer-join', 'process-info', 'process-queue', 'process-pipe', 'manager-dict-list',
  'process-lock', 'pool-apply-async',
];

/** One program as the page and the terminal list it. */
export interface ProgramInfo {
  /** The file name without `.ts`: what `run <name>` takes. */
  name: string;
  title: string;
  /** What it shows, in a sentence or two. */
  summary: string;
  /** The Python program it corresponds to. */
  python: string;
  path: string;
}

/**
 * @returns Every program, in tutorial order.
 */
export function listPrograms(): ProgramInfo[] {
  const names = readdirSync(programsDir)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.slice(0, -3));
  const rank = (name: string): number => {
    const index = tutorialOrder.indexOf(name);
    return index === -1 ? tutorialOrder.length : index;
  };
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return names.map((name) => describe(name, `${programsDir}${name}.ts`));
}

/**
 * @returns The template a new program starts from, named `new-program`.
 */
export function templateProgram(): ProgramInfo {
  return describe('new-program', templatePath);
}

/**
 * @param name - A program's name.
 * @returns The program, or `undefined` when there is none of that name.
 */
export function findProgram(name: string): ProgramInfo | undefined {
  if (!/^[a-z0-9-]+$/.test(name)) return undefined;
  return listPrograms().find((program) => program.name === name);
}

/**
 * @param program - A program of {@link listPrograms}.
 * @returns Its source text.
 */
export function programSource(program: ProgramInfo): string {
  // The header is shown apart (title, summary, Python), so the code starts after it.
  return readFileSync(program.path, 'utf8').replace(/^\/\*\*[\s\S]*?\*\/\s*/, '');
}

function describe(name: string, path: string): ProgramInfo {
  const header = /^\/\*\*([\s\S]*?)\*\//.exec(readFileSync(path, 'utf8'))?.[1] ?? '';
  const lines = header.split('\n').map((line) => line.replace(/^\s*\* ?/, ''));
  while (lines[0]?.trim() === '') lines.shift();
  const title = lines.shift()?.trim() || name;
  const pythonAt = lines.findIndex((line) => line.trim() === 'Python:');
  const prose = pythonAt === -1 ? lines : lines.slice(0, pythonAt);
  const python = pythonAt === -1 ? [] : lines.slice(pythonAt + 1);
  return {
    name,
    title,
    summary: prose.join('\n').trim().replace(/\s*\n\s*/g, ' '),
    python: dedent(python).trimEnd(),
    path,
  };
}

function dedent(lines: string[]): string {
  const indents = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((line) => line.slice(cut)).join('\n');
}
