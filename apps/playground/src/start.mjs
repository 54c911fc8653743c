// Until the playground lands, `npm start` runs one real example: four worker threads sum a
// shared counter with Atomics and the main thread waits for them without blocking.
import { Worker } from 'node:worker_threads';
import { cpuCount } from '@conc/core';

const counter = new Int32Array(new SharedArrayBuffer(4));
const workers = Array.from({ length: 4 }, () => new Worker(
  `const { workerData } = require('node:worker_threads');
   for (let i = 0; i < 100000; i++) Atomics.add(workerData, 0, 1);`,
  { eval: true, workerData: counter },
));
await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
console.log(`4 threads on ${cpuCount()} CPUs counted to ${Atomics.load(counter, 0)} (expected 400000)`);
