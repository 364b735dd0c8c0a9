import { fileURLToPath } from 'node:url';

/** The repository root; the test server serves it so pages load the built `dist` files and fixtures. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const ORT_DIST = '/packages/web/node_modules/onnxruntime-web/dist/';
export const FIXTURES = '/packages/node/test/fixtures/';

/** Plain-ESM page: an import map resolves the bare specifiers to the built files (no bundler). */
export const HARNESS_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>blurgate harness</title>
<script type="importmap">${JSON.stringify({
  imports: {
    '@blurgate/core': '/packages/core/dist/index.js',
    '@blurgate/web': '/packages/web/dist/index.js',
    '@blurgate/web/worker': '/packages/web/dist/worker.js',
    'onnxruntime-web/wasm': `${ORT_DIST}ort.wasm.min.mjs`,
    'onnxruntime-web/webgpu': `${ORT_DIST}ort.webgpu.min.mjs`,
  },
})}</script>
<script type="module">
import * as web from '@blurgate/web';
import * as worker from '@blurgate/web/worker';
import * as core from '@blurgate/core';
const collect = async (iterable) => {
  const out = [];
  for await (const item of iterable) out.push(item);
  return out;
};
Object.assign(window, { blurgate: { web, worker, core, collect } });
</script></head><body></body></html>`;

export const HARNESS_ROUTES = { '/harness.html': { type: 'text/html; charset=utf-8', body: HARNESS_HTML } };

/** What the harness page puts on `window.blurgate` (tests read it inside page.evaluate). */
export interface HarnessGlobals {
  readonly web: typeof import('../../src/index.js');
  readonly worker: typeof import('../../src/worker.js');
  readonly core: typeof import('@blurgate/core');
  /** Gathers an async iterable (classifyMany) into an array. */
  collect<T>(iterable: AsyncIterable<T>): Promise<T[]>;
}

/** The harness modules, for use inside page.evaluate callbacks. */
export function harness(): HarnessGlobals {
  return (globalThis as unknown as { blurgate: HarnessGlobals }).blurgate;
}
