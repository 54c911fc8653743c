import { defineConfig } from 'tsup';

export default defineConfig({
  // target: a lean entry for thread start-up (a worker that only runs a function loads that much).
  entry: ['src/index.ts', 'src/internal.ts', 'src/target.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
