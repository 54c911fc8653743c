import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@conc/redis',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Makes sure redis-server exists before any test file starts its own (installs it when it can).
    globalSetup: ['./test/global-setup.ts'],
  },
});
