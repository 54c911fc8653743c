import { defineConfig } from 'tsup';

export default defineConfig({
  // server-main is the entry of the server's worker thread or child process.
  entry: ['src/index.ts', 'src/server-main.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
});
