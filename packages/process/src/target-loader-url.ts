import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

let url: string | undefined;

/**
 * The URL of `@conc/core/target`, resolved once here, for threads and child processes to load:
 * resolving the package name in each of them (a walk up `node_modules`, `package.json`, a
 * realpath) costs ~1 ms of every start. The URL is the real path, as Node's own resolution
 * gives, so they share one module with anything there that imports @conc/core.
 * @internal
 */
export function targetLoaderUrl(): string {
  return (url ??= pathToFileURL(createRequire(import.meta.url).resolve('@conc/core/target')).href);
}
