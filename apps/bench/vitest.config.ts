import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: '@conc/bench',
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
