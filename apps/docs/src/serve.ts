/**
 * `npm run docs:serve`: serves the built site (`apps/docs/site/`) on http://localhost:PORT/.
 * The port is `--port N`, else the `PORT` environment variable, else 8080; `0` picks a free one.
 * `--root DIR` serves another directory.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

function option(argv: string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

const argv = process.argv.slice(2);
const site = resolve(option(argv, '--root') ?? resolve(import.meta.dirname, '../site'));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

function portFromArguments(argv: string[]): number {
  const text = option(argv, '--port') ?? process.env.PORT;
  if (text === undefined || text === '') return 8080;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`port must be an integer from 0 to 65535, got ${JSON.stringify(text)}`);
  return port;
}

/** Maps a URL path to a file inside the site, or `undefined` when there is none. */
function fileFor(urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return undefined;
  }
  const file = join(site, normalize(path));
  // normalize() keeps leading '..' segments: refuse anything that escapes the site.
  if (file !== site && !file.startsWith(site + sep)) return undefined;
  if (existsSync(file) && statSync(file).isDirectory()) return fileFor(join(path, 'index.html'));
  return existsSync(file) ? file : undefined;
}

if (!existsSync(join(site, 'index.html'))) {
  console.error(`no site in ${site}: run \`npm run docs\` first`);
  process.exit(1);
}

const server = createServer((request, response) => {
  const file = fileFor(request.url ?? '/');
  if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(response);
});

server.listen(portFromArguments(argv), () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.log(`docs: http://localhost:${port}/  (Ctrl-C to stop)`);
});
