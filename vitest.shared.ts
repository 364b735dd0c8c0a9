// The one test configuration of the monorepo: every package's vitest.config.ts is `packageTestConfig(...)`
// with only what differs. `pnpm test` runs vitest per package (turbo); the root vitest.config.ts lists the
// same packages as projects for a single `npx vitest run` from the root.
import { defineConfig, type TestUserConfig, type ViteUserConfig } from 'vitest/config';

/**
 * A package's vitest configuration: its `src/` and `test/` test files, a 60 s test timeout, and the JSON
 * report `.vitest-report.json` that `scripts/test-totals.mjs` sums into CI's "N passed, N failed" line.
 *
 * @param overrides - test options that differ for this package (e.g. `fileParallelism: false`).
 * @returns the configuration to export as default.
 */
export function packageTestConfig(overrides: TestUserConfig = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**'],
      reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
      testTimeout: 60_000,
      ...overrides,
    },
  });
}
