import { defineConfig } from 'vitest/config';

// `npx vitest run` from the root runs every package as a project, each with its own vitest.config.ts
// (all made by packageTestConfig in vitest.shared.ts). CI runs `pnpm test` instead: turbo, one package at a
// time, each writing its .vitest-report.json.
export default defineConfig({
  test: {
    projects: ['packages/*', 'tools'],
  },
});
