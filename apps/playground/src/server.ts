/**
 * The playground's web server on node:http: the page, the program catalog, and runs streamed
 * to the page as Server-Sent Events (`GET /api/run/<name>` starts a run; closing the stream or
 * `POST /api/stop/<id>` stops it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { findProgram, listPrograms, programSource, type ProgramInfo } from './programs.js';
import { startRun, type Run } from './runner.js';

const webDir = new URL('../web/', import.meta.url);
const staticFiles: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/timeline.js': 'timeline.js',
  '/highlight.js': 'highlight.js',
  '/style.css': 'style.css',
};
const contentTypes: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** A started server. */
export interface PlaygroundServer {
  /** The page's address, with the real port. */
  url: string;
  /** Stops every run and closes the server. */
  close(): Promise<void>;
}

/**
 * Serves the playground.
 * @param options - `port` (0 picks a free one) and `host` to listen on.
 * @returns The server, once it listens.
 */
export async function startServer(options: { port: number; host?: string }): Promise<PlaygroundServer> {
  const runs = new Map<number, Run>();
  let nextRunId = 1;

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, 'text/plain', String(error));
      else response.end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
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
    const programMatch = /^\/api\/programs\/([^/]+)$/.exec(pathname);
    if (request.method === 'GET' && programMatch) {
      const program = findProgram(decodeURIComponent(programMatch[1]!));
      if (!program) return sendJson(response, 404, { error: 'no such program' });
      const { path: _path, ...info } = program;
      sendJson(response, 200, { ...info, source: programSource(program) });
      return;
    }
    const runMatch = /^\/api\/run\/([^/]+)$/.exec(pathname);
    if (request.method === 'GET' && runMatch) {
      const program = findProgram(decodeURIComponent(runMatch[1]!));
      if (!program) return sendJson(response, 404, { error: 'no such program' });
      streamRun(program, response);
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

  function streamRun(program: ProgramInfo, response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    const id = nextRunId++;
    const write = (data: unknown): void => {
      if (!response.writableEnded) response.write(`data: ${JSON.stringify(data)}\n\n`);
    };
    write({ type: 'started', run: id, program: program.name, at: Date.now() });
    const run = startRun(program, write);
    runs.set(id, run);
    // The page went away (or pressed Stop and closed the stream): the program goes too.
    response.once('close', () => run.stop());
    void run.done.then(() => {
      runs.delete(id);
      response.end();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === undefined ? '127.0.0.1' : options.host;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    async close() {
      for (const run of runs.values()) run.stop();
      await Promise.all([...runs.values()].map((run) => run.done));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  send(response, status, 'application/json; charset=utf-8', JSON.stringify(value));
}
