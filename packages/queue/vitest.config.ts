import { defineConfig } from 'vitest/config';

// The JSON report feeds the "N passed, N failed" line that .ci/run prints.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    testTimeout: 120_000, // each test starts Redis and CLI processes; bounded by its own waits
  },
});
