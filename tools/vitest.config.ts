import { defineConfig } from 'vitest/config';

// The JSON report feeds the "N passed, N failed" line that .ci/run prints.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    testTimeout: 120_000,
  },
});
