import { defineConfig } from 'vitest/config';

// The JSON report feeds the "N passed, N failed" line that .ci/run prints. The tests start real
// servers (and child processes) against the built package, one file at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
