import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker entry is loaded by URL from index.js's directory.
  entry: ['src/index.ts', 'src/internal.ts', 'src/pool-worker.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
