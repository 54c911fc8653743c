#!/usr/bin/env node
/**
 * `conc-worker`: serves a pool's queue from this machine until stopped (SIGINT/SIGTERM).
 *
 *   npx conc-worker --url redis://host:6379 [--prefix P] [--name N] [--processes N]
 *                   [--kind thread|process] [--allow-source]
 */
import { parseArgs } from 'node:util';
import { RedisBackend } from './redis-backend.js';
import { serve } from './serve.js';

const usage = `usage: conc-worker --url URL [--prefix P] [--name N] [--processes N] [--kind thread|process] [--allow-source]

Serves the @conc Pool queue N (default 'default') on the Redis at URL, running its tasks on
this machine's workers. Function targets travel as source text: they run only with
--allow-source (anyone who can write to that Redis could send code).`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: 'string' },
        prefix: { type: 'string' },
        name: { type: 'string' },
        processes: { type: 'string' },
        kind: { type: 'string' },
        'allow-source': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (values.url === undefined) fail('--url is required');
  const processes = values.processes === undefined ? undefined : Number(values.processes);
  if (processes !== undefined && (!Number.isInteger(processes) || processes < 1)) fail(`--processes must be an integer >= 1, got ${values.processes}`);
  const kind = values.kind as 'thread' | 'process' | undefined;
  if (kind !== undefined && kind !== 'thread' && kind !== 'process') fail(`--kind must be thread or process, got ${values.kind}`);
  let backend: RedisBackend;
  let server: Awaited<ReturnType<typeof serve>>;
  try {
    backend = new RedisBackend({ url: values.url, prefix: values.prefix });
    server = await serve(backend, { name: values.name, processes, kind, allowSource: values['allow-source'] ?? false });
  } catch (error) {
    fail((error as Error).message);
  }
  process.stderr.write(`conc-worker ${process.pid}: serving queue '${values.name ?? 'default'}'${values['allow-source'] ? ' (function targets allowed)' : ''}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1); // a second signal: do not wait for the running tasks
    stopping = true;
    void server.close().then(() => backend.close()).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function fail(message: string): never {
  process.stderr.write(`conc-worker: ${message}\n${usage}\n`);
  process.exit(2);
}

await main();
