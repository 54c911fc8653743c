// @ts-expect-error -- a plain ES module of the repository's scripts, shared with the playground's set-up.
import { requireSystemCommand } from '../../../scripts/require-system.mjs';

/** Runs once before the test files: each of them starts its own redis-server on a free port. */
export default function setup(): void {
  (requireSystemCommand as (command: string, debianPackage: string, why: string) => string)(
    'redis-server', 'redis-server', "@conc/redis's tests",
  );
}
