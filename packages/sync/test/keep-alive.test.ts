import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('a pending async wait keeps the process alive until it completes', async () => {
  const script = fileURLToPath(new URL('./fixtures/keep-alive.mjs', import.meta.url));
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = execFile(process.execPath, [script], { cwd, timeout: 30_000 }, (_error, out) => resolve({ code: child.exitCode, stdout: out }));
  });
  expect(stdout.trim().split('\n')).toEqual(['lock true', 'event true', 'semaphore true', 'condition true', 'barrier number']);
  expect(code).toBe(0);
});
