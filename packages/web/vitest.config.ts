import { defineConfig } from 'vitest/config';

// The JSON report feeds the "N passed, N failed" line that .ci/run prints.
// Files run one at a time: each launches Chromium, and the machine has 2 cores.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
