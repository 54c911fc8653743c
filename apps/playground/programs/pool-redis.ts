/**
 * Pool on Redis: two more machines
 *
 * The same Pool, with its tasks going through Redis (BullMQ): two `conc-worker` processes serve
 * the queue, as two other machines would (`npx conc-worker --url ... --allow-source`). The
 * program starts its own redis-server on a free port and stops it at the end; without
 * redis-server it says how to install it and ends.
 *
 * Python:
 *   import os, time
 *   import ray
 *   from ray.util.multiprocessing import Pool
 *
 *   def square(x):
 *       time.sleep(0.3)
 *       return x * x, os.getpid()
 *
 *   if __name__ == "__main__":
 *       ray.init(address="auto")  # after `ray start --head`, and `ray start --address=...` on two machines
 *       with Pool() as pool:
 *           for x, (value, pid) in enumerate(pool.map(square, range(8), chunksize=1)):
 *               print(f"{x} squared is {value} (worker {pid})")
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Pool } from '@conc/pool';
import { RedisBackend } from '@conc/redis';

if (spawnSync('redis-server', ['--version']).status !== 0) {
  console.log('redis-server is not installed, so this program cannot run here.');
  console.log('Install it (sudo apt-get install redis-server) and run it again.');
  process.exit(0);
}

async function square(x: number) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  return [x * x, process.pid];
}

// A throwaway Redis on a free port (a real deployment has one every machine reaches).
const probe = createServer().listen(0, '127.0.0.1');
await once(probe, 'listening');
const port = (probe.address() as { port: number }).port;
probe.close();
const redis = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
const url = `redis://127.0.0.1:${port}`;

// Two "machines": conc-worker processes serving the queue (function targets allowed).
const bin = fileURLToPath(new URL('./conc-worker.js', import.meta.resolve('@conc/redis')));
const workers: ChildProcess[] = [];
for (let i = 0; i < 2; i++) {
  const worker = spawn(process.execPath, [bin, '--url', url, '--processes', '1', '--allow-source'], { stdio: ['ignore', 'inherit', 'pipe'] });
  workers.push(worker);
}
await Promise.all(workers.map((worker) => new Promise<void>((resolve) => {
  worker.stderr!.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('serving')) resolve();
  });
})));
console.log(`Redis at ${url}; workers ${workers.map((w) => w.pid).join(' and ')} serve the queue`);

const backend = new RedisBackend({ url });
const pool = new Pool({ backend, processes: 0 }); // submits only: the workers run the tasks
const results = await pool.map(square, [0, 1, 2, 3, 4, 5, 6, 7], 1);
results.forEach(([value, pid], x) => console.log(`${x} squared is ${value} (worker ${pid})`));
const pids = new Set(results.map(([, pid]) => pid));
console.log(`${pids.size} workers ran the 8 tasks`);

pool.close();
await pool.join();
await backend.close();
for (const worker of workers) worker.kill('SIGTERM');
await Promise.all(workers.map((worker) => once(worker, 'exit')));
redis.kill();
