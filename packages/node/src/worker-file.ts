import { existsSync } from 'node:fs';

/**
 * The built worker entry `name` (e.g. `prepare-worker.js`) next to this module in dist/; when this module runs from
 * the TypeScript sources (the tests), the package's built one: a worker thread cannot load TypeScript by itself.
 */
export function builtWorkerFile(name: string): URL {
  const beside = new URL(`./${name}`, import.meta.url);
  return existsSync(beside) ? beside : new URL(`../dist/${name}`, import.meta.url);
}
