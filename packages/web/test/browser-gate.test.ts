import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchTestBrowser, type TestBrowser } from './support/browser.js';
import { MODELS, OPAQUE_PNGS, REFERENCE } from './support/fixtures.js';
import { FIXTURES, HARNESS_ROUTES, type HarnessGlobals, ORT_DIST, REPO_ROOT } from './support/harness.js';
import { type StaticServer, startStaticServer } from './support/static-server.js';

interface PageResult {
  status: string;
  label?: string;
  probSharp?: number;
  probBlurred?: number;
  scales?: { scale: number; probSharp: number; probBlurred: number }[];
  error?: { code: string; message: string };
}

// ORT (web or node) against PyTorch differs by float rounding in the in-graph Laplacian; node/web parity is tighter (1e-4).
const PYTORCH_TOLERANCE = 3e-4;

let server: StaticServer;
let browser: TestBrowser;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  server = await startStaticServer({ root: REPO_ROOT, routes: HARNESS_ROUTES });
  browser = await launchTestBrowser();
  ({ page, pageErrors } = await browser.newPage());
  await page.goto(`${server.url}/harness.html`);
  await page.waitForFunction(() => 'blurgate' in globalThis);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function classifyInBrowser(model: string, images: readonly string[], options: Record<string, unknown> = {}) {
  return page.evaluate(
    async ({ model, images, options, ortDist, fixtures }) => {
      const { web } = (globalThis as unknown as { blurgate: HarnessGlobals }).blurgate;
      const gate = await web.createBlurGate({
        model: `${fixtures}models/${model}`,
        runtime: web.createWebRuntime({ wasmPaths: ortDist }),
        ...options,
      });
      const blobs = await Promise.all(images.map(async (name) => (await fetch(`${fixtures}images/${name}`)).blob()));
      const results = await gate.classifyMany(blobs);
      const info = { runtimeName: gate.runtimeName, channels: gate.modelInputChannels, isolated: crossOriginIsolated };
      await gate.dispose();
      return { info, results: results.map(({ input: _input, ...rest }) => rest) as PageResult[] };
    },
    { model, images, options, ortDist: ORT_DIST, fixtures: FIXTURES },
  );
}

describe.each(MODELS)('@blurgate/web in Chromium with %s', (model) => {
  it('matches the PyTorch reference within 3e-4 with the same labels (5-scale TTA)', async () => {
    const { info, results } = await classifyInBrowser(model, OPAQUE_PNGS);
    expect(info.channels).toBe(model.startsWith('tiny-4ch') ? 4 : 3);
    expect(info.isolated).toBe(false);
    expect(info.runtimeName).toMatch(/onnxruntime-web .*\(wasm, 1 thread\)/);
    for (const [i, name] of OPAQUE_PNGS.entries()) {
      const result = results[i]!;
      const reference = REFERENCE.predictions[name]!;
      expect(result.status, `${name}: ${JSON.stringify(result.error)}`).toBe('ok');
      expect(result.label, name).toBe(reference.label);
      expect(Math.abs(result.probBlurred! - reference.probBlurred), name).toBeLessThan(PYTORCH_TOLERANCE);
      expect(result.scales!.map((s) => s.scale)).toEqual(reference.scales.map((s) => s.scale));
      for (const [j, scale] of reference.scales.entries()) {
        expect(Math.abs(result.scales![j]!.probBlurred - scale.probBlurred), `${name}@${scale.scale}`).toBeLessThan(PYTORCH_TOLERANCE);
      }
    }
    expect(pageErrors).toEqual([]);
  });
});
