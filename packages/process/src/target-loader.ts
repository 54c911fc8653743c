import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

type TargetLoader = typeof import('@conc/core/target');

/**
 * Loads `@conc/core/target` from `loaderUrl` (see `targetLoaderUrl`) in a thread's or child's
 * entry (CommonJS files): with `require()` (Node >= 20.19 requires ES modules synchronously,
 * without starting the ES module loader's asynchronous machinery; the module lands in Node's
 * one module cache, shared with any later `import`), else, where that is turned off, with
 * `import()`.
 * @internal
 */
export function requireTargetLoader(loaderUrl: string): TargetLoader | Promise<TargetLoader> {
  try {
    return createRequire(loaderUrl)(fileURLToPath(loaderUrl)) as TargetLoader;
  } catch (error) {
    if (!/^ERR_REQUIRE_(ESM|ASYNC_MODULE)$/.test(String((error as { code?: unknown }).code))) throw error;
    return import(loaderUrl) as Promise<TargetLoader>;
  }
}
