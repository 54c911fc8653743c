/**
 * The playground's web server on node:http: the page, the program catalog, and runs streamed
 * to the page as Server-Sent Events (`POST /api/run` with the edited text starts a run;
 * closing the stream or `POST /api/stop/<id>` stops it).
 *
 * It runs whatever code the page sends, so it listens on 127.0.0.1 only, and answers only
 * requests made to that address by its own page: the Host header must name it (a web page
 * elsewhere cannot rebind a name of its own to it), and a run must be a JSON POST from the
 * same origin (another site's page cannot make one: a cross-origin JSON POST needs a CORS
 * preflight, which this server never grants).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { startChecker } from './checker.js';
import { findProgram, listPrograms, programSource, templateProgram, type ProgramInfo } from './programs.js';
import { startRun, type Run, type RunMessage } from './runner.js';

const webDir = new URL('../web/', import.meta.url);
const staticFiles: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/editor.js': 'editor.js',
  '/problems.js': 'problems.js',
  '/run-stream.js': 'run-stream.js',
  '/timeline.js': 'timeline.js',
  '/highlight.js': 'highlight.js',
  '/style.css': 'style.css',
};
const contentTypes: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};
/** The largest program text a run accepts. */
const MAX_SOURCE = 256 * 1024;

/** How to serve. */
export interface ServerOptions {
  /** The port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Milliseconds after which a run is killed (default one minute). */
  timeLimit?: number;
}

/** A started server. */
export interface PlaygroundServer {
  /** The page's address, with the real port. */
  url: string;
  /** Stops every run and closes the server. */
  close(): Promise<void>;
}

/**
 * Serves the playground on 127.0.0.1.
 * @param options - The port, the time limit of a run.
 * @returns The server, once it listens.
 */
export async function startServer(options: ServerOptions): Promise<PlaygroundServer> {
  const timeLimit = options.timeLimit ?? 60_000;
  const runs = new Map<number, Run>();
  const streams = new Set<Promise<void>>();
  let nextRunId = 1;
  let port = 0;
  const template = templateProgram();
  const checker = startChecker({ name: template.name, source: programSource(template) });

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, 'text/plain', String(error));
      else response.end();
    });
  });

  function describeProgram(program: ProgramInfo): Record<string, unknown> {
    const { path: _path, ...info } = program;
    return { ...info, source: programSource(program) };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
    if (!origins.includes(`http://${request.headers.host}`)) {
      return sendJson(response, 403, { error: 'the playground answers requests to 127.0.0.1 only' });
    }
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (request.method === 'POST') {
      const origin = request.headers.origin;
      if ((origin !== undefined && !origins.includes(origin)) || !/^application\/json\b/.test(request.headers['content-type'] ?? '')) {
        return sendJson(response, 403, { error: 'runs are started by the playground page only (a JSON POST from its origin)' });
      }
    }
    const file = staticFiles[pathname];
    if (request.method === 'GET' && file) {
      const type = contentTypes[file.split('.').pop()!]!;
      send(response, 200, type, await readFile(new URL(file, webDir)));
      return;
    }
    if (request.method === 'GET' && pathname === '/api/programs') {
      sendJson(response, 200, listPrograms().map(({ path: _path, ...info }) => info));
      return;
    }
    if (request.method === 'GET' && pathname === '/api/template') {
      sendJson(response, 200, describeProgram(template));
      return;
    }
    const programMatch = /^\/api\/programs\/([^/]+)$/.exec(pathname);
    if (request.method === 'GET' && programMatch) {
      const program = findProgram(decodeURIComponent(programMatch[1]!));
      if (!program) return sendJson(response, 404, { error: 'no such program' });
      sendJson(response, 200, describeProgram(program));
      return;
    }
    if (request.method === 'POST' && pathname === '/api/run') {
      const body = await readBody(request);
      if (body === tooLarge) return sendJson(response, 413, { error: `a program may hold ${MAX_SOURCE} characters at most` });
      const { name, source } = (body ?? {}) as { name?: unknown; source?: unknown };
      if (typeof name !== 'string' || typeof source !== 'string') {
        return sendJson(response, 400, { error: 'expected { "name": <a program name or "new-program">, "source": <its text> }' });
      }
      const program = name === template.name ? template : findProgram(name);
      if (!program) return sendJson(response, 404, { error: 'no such program' });
      const stream = streamRun(program, source, response);
      streams.add(stream);
      await stream.finally(() => streams.delete(stream));
      return;
    }
    const stopMatch = /^\/api\/stop\/(\d+)$/.exec(pathname);
    if (request.method === 'POST' && stopMatch) {
      const run = runs.get(Number(stopMatch[1]));
      run?.stop();
      sendJson(response, 200, { stopped: run !== undefined });
      return;
    }
    sendJson(response, 404, { error: `nothing at ${request.method} ${pathname}` });
  }

  // Syntax errors stop the run before it starts; type errors arrive beside it, before its exit.
  async function streamRun(program: ProgramInfo, source: string, response: ServerResponse): Promise<void> {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    const id = nextRunId++;
    const write = (data: unknown): void => {
      if (!response.writableEnded) response.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    let closed = false;
    response.once('close', () => {
      closed = true;
      // The page went away (or pressed Stop and closed the stream): the program goes too.
      runs.get(id)?.stop();
    });
    write({ type: 'started', run: id, program: program.name, file: `${program.name}.ts`, at: Date.now() });
    // A checker that failed must not stop the playground: tsx reports syntax errors too.
    const syntax = await checker.check('syntax', program.name, source).catch(() => []);
    if (syntax.length > 0 || closed) {
      write({ type: 'diagnostics', check: 'syntax', diagnostics: syntax });
      write({ type: 'exit', code: null, signal: null, stopped: closed, timedOut: false, rejected: true });
      response.end();
      return;
    }
    let exit: RunMessage | undefined;
    const run = startRun(program, (message) => {
      if (message.type === 'exit') exit = message;
      else write(message);
    }, { source, timeLimit });
    runs.set(id, run);
    const types = checker.check('types', program.name, source).then(
      (diagnostics) => write({ type: 'diagnostics', check: 'types', diagnostics }),
      () => {},
    );
    await Promise.all([run.done, types]);
    runs.delete(id);
    write(exit);
    response.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      for (const run of runs.values()) run.stop();
      await Promise.all(streams);
      await checker.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const tooLarge = Symbol('too large');

async function readBody(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request.setEncoding('utf8') as AsyncIterable<string>) {
    text += chunk;
    if (text.length > MAX_SOURCE + 1024) return tooLarge;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(value));
}
