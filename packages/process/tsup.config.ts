import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The worker and child entries are loaded at run time by URL, next to index.js; shutdown.js
    // is an entry too, since the thread entry (CommonJS, below) imports it by URL.
    entry: ['src/index.ts', 'src/internal.ts', 'src/child-main.ts', 'src/supervisor-main.ts', 'src/broker-client-main.ts', 'src/shutdown.ts'],
    format: ['esm'],
    dts: { entry: ['src/index.ts', 'src/internal.ts'] },
    clean: true,
    sourcemap: true,
    target: 'node20',
  },
  {
    // A thread's entry as one CommonJS file: a worker that loads no ES module before the target
    // starts ~4 ms sooner (Node's ES module loader is the costly part of a worker's start); it
    // requires `@conc/core/target` (require() of an ES module, Node >= 20.19) and imports the
    // rest of @conc on demand. Its copies of report, trace forwarding and context hold no state
    // of their own (see context.ts).
    entry: ['src/thread-main.ts'],
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    sourcemap: true,
    target: 'node20',
  },
]);
