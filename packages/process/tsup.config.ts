import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker and child entries are loaded at run time by URL, next to index.js.
  entry: ['src/index.ts', 'src/internal.ts', 'src/thread-main.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts', 'src/internal.ts'] },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
