/**
 * The bench run's own redis-server, for the Redis workloads: started on a free loopback port on
 * first use (no persistence, no eviction), killed when the bench exits. Without redis-server
 * those contenders are skipped with a note saying how to install it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';

/** Why the Redis contenders cannot run here, or `undefined` when redis-server is installed. */
export function redisMissing(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error || probe.status !== 0 ? 'redis-server not found (install it, e.g. apt-get install redis-server)' : undefined;
}

let server: Promise<string> | undefined;
let child: ChildProcess | undefined;

/** The URL of this run's redis-server, started on first use and stopped when the bench exits. */
export function redisUrl(): Promise<string> {
  server ??= (async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as { port: number }).port;
    probe.close();
    child = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction', '--loglevel', 'warning',
    ], { stdio: 'ignore' });
    process.once('exit', () => child?.kill('SIGKILL'));
    const deadline = Date.now() + 10_000;
    while (!(await accepts(port))) {
      if (Date.now() > deadline) throw new Error('redis-server did not start within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return `redis://127.0.0.1:${port}`;
  })();
  return server;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
