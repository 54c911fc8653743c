import type { TestProject } from 'vitest/node';
// @ts-expect-error -- a plain ES module of the repository's scripts, shared with @conc/redis's set-up.
import { requireSystemCommand } from '../../../scripts/require-system.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Chromium the browser test drives. */
    chromium: string;
  }
}

/**
 * Runs once before the test files: finds Debian's Chromium for the browser test (and
 * redis-server for the pool-redis program), installing them when it can (root with apt-get),
 * else failing at once with the command to run.
 */
export default function setup(project: TestProject): void {
  const path = (requireSystemCommand as (command: string, debianPackage: string, why: string) => string)(
    'chromium', 'chromium', "@conc/playground's browser test",
  );
  project.provide('chromium', path);
  // The pool-redis program starts its own redis-server (without one it only says so).
  (requireSystemCommand as (command: string, debianPackage: string, why: string) => string)(
    'redis-server', 'redis-server', "@conc/playground's pool-redis program",
  );
}
