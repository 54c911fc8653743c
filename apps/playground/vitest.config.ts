import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@conc/playground',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // The browser test and the terminal runs each start real processes: one file at a time
    // keeps a 2-core machine responsive.
    fileParallelism: false,
    // Finds Chromium before any test file starts (installs it when it can, else names the command).
    globalSetup: ['./test/global-setup.ts'],
  },
});
