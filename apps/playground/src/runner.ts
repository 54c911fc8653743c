/**
 * Runs a program for real, in its own child process (so that Stop can kill it, with every
 * process it started, and the server stays healthy whatever the program does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ProgramInfo } from './programs.js';

const launcher = fileURLToPath(new URL('./launch.mjs', import.meta.url));
const appDir = fileURLToPath(new URL('../', import.meta.url));
/**
 * Where edited programs are written to run: inside the app, so that they import the packages
 * (and `@conc/playground/timeline`) as the programs do.
 */
export const editedDir = `${appDir}.runs/`;

/** How a run is started. */
export interface RunOptions {
  /** The text to run instead of the program's file (the page's edited code). */
  source?: string;
  /** Milliseconds after which the run is killed (with every process it started). */
  timeLimit?: number;
}

/** What a run reports, in order. */
export type RunMessage =
  | { type: 'stdout' | 'stderr'; text: string }
  | { type: 'trace'; events: Record<string, unknown>[] }
  | { type: 'exit'; code: number | null; signal: string | null; stopped: boolean; timedOut: boolean };

/** A running program. */
export interface Run {
  child: ChildProcess;
  /** Kills the program and every process it started. */
  stop(): void;
  /** Settles once the program has ended and everything it printed was reported. */
  done: Promise<void>;
}

/** The command line that runs a program's file (also what the terminal mode uses). */
export function programCommand(program: ProgramInfo): string[] {
  return [process.execPath, launcher, program.path];
}

/**
 * Starts `program` with tracing on and reports its output and trace events to `onMessage`.
 * @param program - The program to run.
 * @param onMessage - Receives the program's stdout and stderr text, its trace events in
 *   batches, and finally its exit.
 * @param options - Edited text to run instead of the file; a time limit.
 * @returns The run.
 */
export function startRun(program: ProgramInfo, onMessage: (message: RunMessage) => void, options: RunOptions = {}): Run {
  let edited: string | undefined;
  if (options.source !== undefined) {
    mkdirSync(editedDir, { recursive: true });
    edited = mkdtempSync(`${editedDir}${program.name}-`);
    writeFileSync(`${edited}/${program.name}.ts`, options.source);
  }
  const path = edited === undefined ? program.path : `${edited}/${program.name}.ts`;
  // Error messages and stack traces name the file as the page shows it.
  const shown = `${program.name}.ts`;
  const tidy = (text: string): string => (edited === undefined ? text : text.replaceAll(pathToFileURL(path).href, shown).replaceAll(path, shown));
  const [command, ...args] = programCommand({ ...program, path });
  const child = spawn(command!, args, {
    cwd: appDir,
    // Its own process group, so that Stop reaches the processes the program started too.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, CONC_PLAYGROUND_TRACE_FD: '3', FORCE_COLOR: '0' },
  });
  let stopped = false;
  let timedOut = false;
  const traceStream = child.stdio[3] as Readable;
  const streams = [child.stdout!, child.stderr!, traceStream];
  const ended = streams.map((stream) => new Promise<void>((resolve) => stream.once('close', resolve)));
  child.stdout!.setEncoding('utf8').on('data', (text: string) => onMessage({ type: 'stdout', text }));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => onMessage({ type: 'stderr', text: tidy(text) }));
  let partial = '';
  traceStream.setEncoding('utf8').on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    const events = lines.filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
    if (events.length) onMessage({ type: 'trace', events });
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      onMessage({ type: 'stderr', text: `cannot start the program: ${error.message}\n` });
      resolve({ code: null, signal: null });
    });
  });
  const limit = options.timeLimit === undefined ? undefined : setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeLimit);
  const done = (async () => {
    const { code, signal } = await exited;
    clearTimeout(limit);
    // Everything the program (and processes it left behind) wrote is reported before the exit;
    // a descendant still holding the pipes open is killed with the group.
    const timer = setTimeout(killGroup, 2000);
    await Promise.all(ended);
    clearTimeout(timer);
    if (edited !== undefined) rmSync(edited, { recursive: true, force: true });
    onMessage({ type: 'exit', code, signal, stopped, timedOut });
  })();
  function killGroup(): void {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return {
    child,
    done,
    stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      stopped = true;
      killGroup();
    },
  };
}
