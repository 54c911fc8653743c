import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { expect, test } from 'vitest';
import { spareCore } from '../src/spare-core.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('no spare core while other processes keep every core busy; none is claimed before anything was measured', async () => {
  // The first call has nothing to compare with: it does not claim a spare core.
  expect(spareCore()).toBe(false);
  // One busy process per core (processes: this process's own CPU time does not count).
  const busy: ChildProcess[] = [];
  try {
    const started = Array.from({ length: cpus().length }, () => {
      const child = spawn(process.execPath, ['-e', 'console.log("go"); for (;;);'], { stdio: ['ignore', 'pipe', 'ignore'] });
      busy.push(child);
      return new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    });
    await Promise.all(started);
    // A sample taken now, another a quarter second later: the window between them is all busy.
    await sleep(300);
    spareCore();
    await sleep(400);
    expect(spareCore()).toBe(false);
  } finally {
    for (const child of busy) child.kill('SIGKILL');
  }
});
