import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker and child entries are loaded at run time by URL, next to index.js.
  entry: ['src/index.ts', 'src/internal.ts', 'src/thread-main.ts', 'src/child-main.ts', 'src/supervisor-main.ts', 'src/broker-client-main.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/internal.ts'] },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
