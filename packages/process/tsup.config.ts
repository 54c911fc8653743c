import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The worker entries are loaded at run time by URL, next to index.js; shutdown.js is an
    // entry too, since the thread and child entries (CommonJS, below) import it by URL.
    entry: ['src/index.ts', 'src/internal.ts', 'src/supervisor-main.ts', 'src/broker-client-main.ts', 'src/shutdown.ts'],
    format: ['esm'],
    dts: { entry: ['src/index.ts', 'src/internal.ts'] },
    clean: true,
    sourcemap: true,
    target: 'node20',
  },
  {
    // A thread's and a child process's entries as one CommonJS file each: a worker or process
    // that loads no ES module before the target starts ~4 ms sooner (Node's ES module loader is
    // the costly part of starting one); they require `@conc/core/target` (require() of an ES
    // module, Node >= 20.19) and import the rest of @conc on demand. Their copies of report,
    // trace forwarding and context hold no state of their own (see context.ts).
    entry: ['src/thread-main.ts', 'src/child-main.ts'],
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    sourcemap: true,
    target: 'node20',
  },
]);
