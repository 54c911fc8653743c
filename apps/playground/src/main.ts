/**
 * `npm start`: serves the playground page on 127.0.0.1 (`--port N` or `PORT`, default 3000;
 * `--time-limit S`, seconds a run may last, default 60);
 * `npm start -- --list` lists the programs; `npm start -- run <name>` runs one in the terminal.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { findProgram, listPrograms } from './programs.js';
import { programCommand } from './runner.js';
import { startServer } from './server.js';

const usage = `usage: npm start [-- --port N] [-- --time-limit S]   serve the playground page on 127.0.0.1
       npm start -- --list                                 list the programs
       npm start -- run <name>                             run one program in the terminal`;

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      'time-limit': { type: 'string', default: '60' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const { values, positionals } = parsed;

if (values.help) {
  console.log(usage);
} else if (values.list) {
  const programs = listPrograms();
  const width = Math.max(...programs.map((program) => program.name.length));
  for (const program of programs) console.log(`${program.name.padEnd(width)}  ${program.title}`);
} else if (positionals[0] === 'run') {
  process.exitCode = await runInTerminal(positionals[1]);
} else if (positionals.length > 0) {
  console.error(`unknown command '${positionals.join(' ')}'\n${usage}`);
  process.exit(2);
} else {
  const port = parsePort(values.port ?? process.env['PORT'] ?? '3000');
  const timeLimit = Number(values['time-limit']);
  if (!(timeLimit > 0 && timeLimit <= 3600)) {
    console.error(`--time-limit must be a positive number of seconds, at most 3600, got '${values['time-limit']}'`);
    process.exit(2);
  }
  const server = await startServer({ port, timeLimit: timeLimit * 1000 });
  console.log(`@conc playground: ${server.url}  (Ctrl+C to stop)`);
  // Runs live in their own process groups: stop them before going, or they would outlive us.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void server.close().finally(() => process.exit(0)));
  }
}

async function runInTerminal(name: string | undefined): Promise<number> {
  const program = name === undefined ? undefined : findProgram(name);
  if (!program) {
    console.error(`${name === undefined ? 'run: which program?' : `run: no program named '${name}'`}; the programs are:\n  ${listPrograms().map((p) => p.name).join('\n  ')}`);
    return 2;
  }
  console.log(`== ${program.title} (${program.name})`);
  const [command, ...args] = programCommand(program);
  const child = spawn(command!, args, { stdio: 'inherit' });
  const code = await new Promise<number>((resolve) => {
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
    child.once('error', () => resolve(1));
  });
  return code;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    console.error(`--port/PORT must be an integer from 0 to 65535, got '${text}'`);
    process.exit(2);
  }
  return port;
}
