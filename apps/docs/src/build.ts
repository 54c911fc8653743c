/**
 * `npm run docs`: the API reference of every package and the guides of `docs/`, one static
 * site in `apps/docs/site/`. The options live in `typedoc.json`; this script first writes the
 * bench results as `generated/results.md` (which `docs/performance.md` includes), then runs
 * TypeDoc, which fails on any warning.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { writeResults } from './performance-page.js';

const app = resolve(import.meta.dirname, '..');
const root = resolve(app, '../..');

writeResults(root, join(app, 'generated'));
try {
  execFileSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--options', 'typedoc.json'], { cwd: app, stdio: 'inherit' });
} catch {
  // TypeDoc has printed what is wrong; a failed docs build must fail the task.
  process.exit(1);
}
console.log(`docs: ${join(app, 'site', 'index.html')}`);
