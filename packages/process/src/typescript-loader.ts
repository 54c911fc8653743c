import * as workerThreads from 'node:worker_threads';
import type { TargetDescriptor } from '@conc/core/internal';

let registered: Promise<void> | undefined;

/**
 * Makes a TypeScript module target loadable in a worker when the parent runs under tsx.
 * Node 20 does not hand the module hooks tsx registers on the main thread to workers, and tsx
 * registers itself only on the main thread there: so the worker registers tsx's hooks itself
 * (Node 22+, where workers inherit hooks, needs nothing). Node's own type stripping needs
 * nothing either: workers inherit `--experimental-strip-types`.
 * @internal
 */
export function prepareTypeScript(target: TargetDescriptor | undefined): Promise<void> {
  if (target?.type !== 'module' || !/\.[mc]?tsx?$/.test(target.module)) return Promise.resolve();
  if (workerThreads.isMainThread || 'isInternalThread' in workerThreads) return Promise.resolve();
  if (!process.execArgv.some((arg) => /(^|[=/])tsx(\/|$)/.test(arg))) return Promise.resolve();
  return (registered ??= register());
}

async function register(): Promise<void> {
  // A variable, so that the bundler leaves tsx out: it is the user's, resolved at run time.
  const specifier = 'tsx/esm/api';
  const api = (await import(specifier)) as { register(): unknown };
  api.register();
}
