import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@conc/docs',
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // The examples run as child processes, two at a time: the machine has two cores, shared.
    maxConcurrency: 2,
  },
});
