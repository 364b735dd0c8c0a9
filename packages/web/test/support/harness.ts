import { fileURLToPath } from 'node:url';

/** The repository root; the test server serves it so pages load the built `dist` files and fixtures. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const ORT_DIST = '/packages/web/node_modules/onnxruntime-web/dist/';
export const FIXTURES = '/packages/node/test/fixtures/';
/** The plain-ESM page (import map, no bundler) the tests and the bench drive. */
export const HARNESS_PATH = '/packages/web/test/harness.html';

/** What the harness page puts on `window.blurgate` (tests read it inside page.evaluate). */
export interface HarnessGlobals {
  readonly web: typeof import('../../src/index.js');
  readonly worker: typeof import('../../src/worker.js');
  readonly core: typeof import('@blurgate/core');
  /** Gathers an async iterable (classifyMany) into an array. */
  collect<T>(iterable: AsyncIterable<T>): Promise<T[]>;
}
