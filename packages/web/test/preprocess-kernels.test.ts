import { createHash } from 'node:crypto';
import { decodeImage as decodeWithSharp, loadPreprocessKernels as loadNodeKernels } from '@blurgate/node';
import { createPreprocessor } from '@blurgate/core';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchTestBrowser, type TestBrowser } from './support/browser.js';
import { FIXTURES_DIR } from './support/fixtures.js';
import { FIXTURES, HARNESS_PATH, type HarnessGlobals, REPO_ROOT } from './support/harness.js';
import { type StaticServer, startStaticServer } from './support/static-server.js';

// The same WebAssembly SIMD kernels as node (core's, inlined as base64), loaded in Chromium without fetching a
// .wasm file, give the same bytes and tensors as the JS path in the page and as node.

interface PageCase {
  backend: string;
  /** sha256 of the resized RGB bytes and of the 4-channel model input (both backends must agree bit for bit on RGB). */
  resizedSha: string;
  rgbPlanesSha: string;
  rgbPlanesEqualJs: boolean;
  worstAuxVsJs: number;
  aux: number[];
}

let server: StaticServer;
let browser: TestBrowser;
let page: Page;
let pageErrors: string[];
const requested: string[] = [];

beforeAll(async () => {
  server = await startStaticServer({ root: REPO_ROOT });
  browser = await launchTestBrowser();
  ({ page, pageErrors } = await browser.newPage());
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(`${server.url}${HARNESS_PATH}`);
  await page.waitForFunction(() => 'blurgate' in globalThis);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const planesSha = (tensor: Float32Array, planes: number, plane: number) =>
  sha256(new Uint8Array(tensor.buffer, tensor.byteOffset, planes * plane * 4));

/** Runs both backends in the page on a fixture image decoded by the browser (RGBA) at `scale`. */
async function inPage(image: string, scale: number, resize: readonly [number, number]): Promise<PageCase> {
  return page.evaluate(
    async ({ url, scale, resize }) => {
      const { web, core } = (globalThis as unknown as { blurgate: HarnessGlobals }).blurgate;
      const kernels = await web.loadPreprocessKernels();
      const fast = core.createPreprocessor({ wasm: kernels });
      const plain = core.createPreprocessor();
      const decoded = await web.decodeImage(await (await fetch(url)).blob());
      const a = fast.prepare(decoded).modelInput(scale, 4);
      const b = plain.prepare(decoded).modelInput(scale, 4);
      const plane = scale * scale;
      let rgbPlanesEqualJs = true;
      for (let i = 0; i < plane * 3; i++) if (a[i] !== b[i]) rgbPlanesEqualJs = false;
      let worstAuxVsJs = 0;
      for (let i = plane * 3; i < plane * 4; i++) worstAuxVsJs = Math.max(worstAuxVsJs, Math.abs(a[i] - b[i]));
      const hex = async (bytes: Uint8Array) =>
        Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)), (x) =>
          x.toString(16).padStart(2, '0'),
        ).join('');
      const resized = fast.prepare(decoded).resized(resize[0], resize[1]);
      return {
        backend: fast.backend,
        resizedSha: await hex(resized.data),
        rgbPlanesSha: await hex(new Uint8Array(a.buffer, 0, plane * 12)),
        rgbPlanesEqualJs,
        worstAuxVsJs,
        aux: Array.from(a.subarray(plane * 3, plane * 3 + 64)),
      };
    },
    { url: `${FIXTURES}images/${image}`, scale, resize },
  );
}

describe('preprocessing kernels in Chromium', () => {
  // Opaque PNGs: canvas readback is exact, so the browser's pixels equal sharp's.
  it.each([
    ['china.png', 384, [300, 97]],
    ['flower.png', 256, [640, 512]],
    ['texture.png', 97, [33, 333]],
  ] as const)('%s at %i: the kernels load inline and equal the JS path and node', async (image, scale, resize) => {
    const result = await inPage(image, scale, resize);
    expect(result.backend).toBe('wasm-simd');
    expect(result.rgbPlanesEqualJs).toBe(true);
    expect(result.worstAuxVsJs).toBeLessThanOrEqual(1e-6);

    const pixels = await decodeWithSharp(`${FIXTURES_DIR}images/${image}`);
    const nodeKernels = await loadNodeKernels();
    expect(nodeKernels).toBeDefined();
    const node = createPreprocessor({ wasm: nodeKernels }).prepare(pixels);
    const tensor = node.modelInput(scale, 4);
    const plane = scale * scale;
    expect(result.rgbPlanesSha).toBe(planesSha(tensor, 3, plane));
    expect(result.resizedSha).toBe(sha256(node.resized(resize[0], resize[1]).data));
    const worst = Math.max(...result.aux.map((v, i) => Math.abs(v - tensor[plane * 3 + i])));
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('fetched no .wasm file for the kernels and raised no page errors', () => {
    expect(requested.filter((url) => /preprocess-kernels\.wasm/.test(url))).toEqual([]);
    expect(requested.some((url) => url.endsWith('/packages/core/dist/preprocess-kernels-wasm.js'))).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
