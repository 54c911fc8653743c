import { defineConfig } from 'tsup';

export default defineConfig({
  // conc-worker: the command that serves a pool's queue (package.json bin).
  entry: ['src/index.ts', 'src/conc-worker.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
