// The opt-in WebNN execution provider (createWebRuntime({ executionProviders: ['webnn', 'wasm'] })):
// - options are validated;
// - in Debian's Chromium (the browser of every other test), which has no WebNN backend, it falls back to WASM with
//   the browser's reason and gives node's probabilities (the default runtime is untouched);
// - in a Chromium with WebNN (upstream's, shipped by the @sparticuz/chromium devDependency) it runs every scale on
//   WebNN's CPU device and gives node's labels and probabilities within 1e-4.
import path from 'node:path';
import { createBlurGate as createNodeGate } from '@blurgate/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebRuntime } from '../src/web-runtime.js';
import { FIXTURES_DIR, OPAQUE_PNGS } from './support/fixtures.js';
import { FIXTURES, type HarnessGlobals, ORT_DIST, REPO_ROOT } from './support/harness.js';
import { type HarnessPage, openHarnessPage } from './support/harness-page.js';
import { findWebNNChromium, WEBNN_CHROMIUM_FLAGS } from './support/webnn-chromium.mjs';

/** Model folders served from the repo root: the shipped default (4 channels) and a 3-channel one (FreqAux in the graph). */
const MODEL_FOLDERS = [
  'models/blurgate-synth/2.0.0',
  'packages/node/test/fixtures/models/store/blurgate-tiny-3ch/1.0.0',
];

interface Outcome {
  backend: string;
  fallbackReason: string | null;
  runtimeName: string;
  /** Whether the page itself could create a WebNN CPU context. */
  webnnContext: boolean;
  scales: readonly number[];
  results: { status: string; label?: string; probSharp?: number; probBlurred?: number }[];
}

async function inBrowser(
  harness: HarnessPage,
  folder: string,
  runtimeOptions: Record<string, unknown>,
): Promise<Outcome> {
  return harness.page.evaluate(
    async ({ modelUrl, images, fixtures, ortDist, runtimeOptions }) => {
      const { web, collect } = (globalThis as unknown as { blurgate: HarnessGlobals }).blurgate;
      const ml = (navigator as { ml?: { createContext(o: object): Promise<unknown> } }).ml;
      const webnnContext = ml
        ? await ml.createContext({ deviceType: 'cpu' }).then(
            () => true,
            () => false,
          )
        : false;
      const runtime = web.createWebRuntime({ wasmPaths: ortDist, ...runtimeOptions });
      const gate = await web.createBlurGate({ model: modelUrl, runtime });
      const blobs = await Promise.all(images.map(async (name) => (await fetch(`${fixtures}images/${name}`)).blob()));
      const results = await collect(gate.classifyMany(blobs));
      await gate.dispose();
      return {
        backend: runtime.backend,
        fallbackReason: runtime.fallbackReason ?? null,
        runtimeName: gate.runtimeName,
        webnnContext,
        scales: gate.scales,
        results: results.map((r) =>
          r.status === 'ok'
            ? { status: r.status, label: r.label, probSharp: r.probSharp, probBlurred: r.probBlurred }
            : { status: r.status },
        ),
      };
    },
    { modelUrl: `/${folder}/model.onnx`, images: OPAQUE_PNGS, fixtures: FIXTURES, ortDist: ORT_DIST, runtimeOptions },
  );
}

const nodeResults = new Map<string, Outcome['results']>();

async function inNode(folder: string): Promise<Outcome['results']> {
  const known = nodeResults.get(folder);
  if (known) return known;
  const gate = await createNodeGate({ model: path.join(REPO_ROOT, folder) });
  const results: Outcome['results'] = [];
  for await (const r of gate.classifyMany(OPAQUE_PNGS.map((name) => path.join(FIXTURES_DIR, 'images', name)))) {
    results.push(
      r.status === 'ok' ? { status: r.status, label: r.label, probSharp: r.probSharp, probBlurred: r.probBlurred } : r,
    );
  }
  await gate.dispose();
  nodeResults.set(folder, results);
  return results;
}

/** Same labels as node, and the largest probability difference (which must stay below 1e-4). */
function expectNodeParity(web: Outcome['results'], node: Outcome['results']): number {
  let worst = 0;
  for (const [i, name] of OPAQUE_PNGS.entries()) {
    const [w, n] = [web[i]!, node[i]!];
    expect(n.status, name).toBe('ok');
    expect(w.status, name).toBe('ok');
    expect(w.label, name).toBe(n.label);
    worst = Math.max(worst, Math.abs(w.probBlurred! - n.probBlurred!), Math.abs(w.probSharp! - n.probSharp!));
  }
  expect(worst).toBeLessThan(1e-4);
  return worst;
}

describe('createWebRuntime validates the WebNN options', () => {
  it.each([
    [{ executionProviders: ['webnm', 'wasm'] }, /Unknown execution provider "webnm": use 'wasm', 'webgpu' or 'webnn'/],
    [{ executionProviders: [] }, /non-empty array/],
    [{ executionProviders: ['webnn'], webnnDeviceType: 'tpu' }, /webnnDeviceType must be 'cpu', 'gpu' or 'npu'/],
    [{ executionProviders: ['wasm'], webnnDeviceType: 'cpu' }, /only when executionProviders lists 'webnn'/],
  ])('refuses %j', (options, message) => {
    expect(() => createWebRuntime(options as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(message) }),
    );
  });

  it('accepts webnn with each device type, before anything is loaded', () => {
    for (const webnnDeviceType of ['cpu', 'gpu', 'npu'] as const) {
      const runtime = createWebRuntime({ executionProviders: ['webnn', 'wasm'], webnnDeviceType });
      expect(runtime.backend).toBe('wasm');
      expect(runtime.fallbackReason).toBeUndefined();
    }
  });
});

describe("Debian's Chromium with the WebNN flag (no WebNN backend in that build)", () => {
  let harness: HarnessPage;
  beforeAll(async () => {
    harness = await openHarnessPage({ browser: { extraArgs: WEBNN_CHROMIUM_FLAGS } });
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("falls back to WASM with the browser's reason, with node's probabilities; the default runtime is untouched", async () => {
    const folder = MODEL_FOLDERS[0];
    const [webnn, plain, node] = [
      await inBrowser(harness, folder, { executionProviders: ['webnn', 'wasm'] }),
      await inBrowser(harness, folder, {}),
      await inNode(folder),
    ];
    expect(plain).toMatchObject({ backend: 'wasm', fallbackReason: null });
    if (webnn.webnnContext) {
      // A later Debian build with a WebNN backend: then it must be used.
      expect(webnn).toMatchObject({ backend: 'webnn', fallbackReason: null });
    } else {
      expect(webnn.backend).toBe('wasm');
      expect(webnn.fallbackReason).toMatch(/^webnn: the browser refused a WebNN cpu context: .*not supported/);
      expect(webnn.runtimeName).toMatch(/^onnxruntime-web [\d.]+ \(wasm, 1 thread\)$/);
      expect(webnn.results).toEqual(plain.results);
    }
    expectNodeParity(webnn.results, node);
    expect(harness.pageErrors).toEqual([]);
  });
});

const webnnChromium = findWebNNChromium();
const skipReason = 'reason' in webnnChromium ? webnnChromium.reason : undefined;

describe.skipIf(skipReason !== undefined)(
  `a Chromium with WebNN${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let harness: HarnessPage;
    beforeAll(async () => {
      harness = await openHarnessPage({
        browser: { executablePath: 'path' in webnnChromium ? webnnChromium.path : '', extraArgs: WEBNN_CHROMIUM_FLAGS },
      });
    }, 120_000);
    afterAll(async () => {
      await harness?.close();
    });

    it.each(MODEL_FOLDERS)(
      'runs %s on WebNN (cpu) at every scale with node’s labels and probabilities within 1e-4',
      async (folder) => {
        const [web, node] = [
          await inBrowser(harness, folder, { executionProviders: ['webnn', 'wasm'] }),
          await inNode(folder),
        ];
        expect(web.webnnContext).toBe(true);
        expect(web).toMatchObject({ backend: 'webnn', fallbackReason: null });
        expect(web.runtimeName).toMatch(/^onnxruntime-web [\d.]+ \(webnn cpu, 1 thread\)$/);
        expect(web.scales).toEqual([256, 320, 384, 448, 512]);
        expectNodeParity(web.results, node);
        expect(harness.pageErrors).toEqual([]);
      },
      180_000,
    );

    it('runs on WebNN inside the worker too (navigator.ml in a dedicated worker)', async () => {
      const folder = MODEL_FOLDERS[0];
      const web = await harness.page.evaluate(
        async ({ modelUrl, image, ortDist }) => {
          const { worker } = (globalThis as unknown as { blurgate: HarnessGlobals }).blurgate;
          const gate = await worker.createBlurGateWorker({
            model: modelUrl,
            runtime: { wasmPaths: ortDist, executionProviders: ['webnn', 'wasm'] },
          });
          const result = await gate.classify(await (await fetch(image)).blob());
          await gate.dispose();
          return { runtimeName: gate.runtimeName, fallbackReason: gate.runtimeFallbackReason ?? null, result };
        },
        { modelUrl: `/${folder}/model.onnx`, image: `${FIXTURES}images/${OPAQUE_PNGS[0]}`, ortDist: ORT_DIST },
      );
      expect(web.runtimeName).toMatch(/\(webnn cpu, 1 thread\)$/);
      expect(web.fallbackReason).toBeNull();
      const node = (await inNode(folder))[0]!;
      expect(web.result).toMatchObject({ label: node.label });
      const result = web.result as { probBlurred: number };
      expect(Math.abs(result.probBlurred - node.probBlurred!)).toBeLessThan(1e-4);
    }, 180_000);
  },
);
