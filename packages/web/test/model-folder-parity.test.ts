import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBlurGate as createNodeGate } from '@blurgate/node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR, OPAQUE_PNGS } from './support/fixtures.js';
import { FIXTURES, type HarnessGlobals, ORT_DIST, REPO_ROOT } from './support/harness.js';
import { type HarnessPage, openHarnessPage } from './support/harness-page.js';

/** Model folders (manifest.json beside model.onnx), as paths under the repo root, which the test server serves. */
const MODEL_FOLDERS = [
  // The previous default, kept for comparison: 4 channels, manifest scales [384] (the manifest tests below use it).
  'models/blurgate-synth/1.0.0',
  // A 3-channel model (FreqAux in the graph), manifest scales 256…512.
  'packages/node/test/fixtures/models/store/blurgate-tiny-3ch/1.0.0',
  // The shipped default: 4 channels, manifest scales 256…512, a calibrated blur threshold (0.6458).
  'models/blurgate-synth/2.3.0',
] as const;

interface Outcome {
  model: { name: string; version: string; sha256: string; inputChannels: number; manifestName: string | null };
  scales: readonly number[];
  thresholds: { confidenceThreshold: number; blurThreshold: number };
  results: { status: string; label?: string; probSharp?: number; probBlurred?: number; code?: string }[];
}

let harness: HarnessPage;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  harness = await openHarnessPage();
  ({ page, pageErrors } = harness);
});

afterAll(async () => {
  await harness?.close();
});

/** `createBlurGate` in Chromium with no gate options: only the model URL and where the WASM files are. */
async function inBrowser(
  folder: string,
  images: readonly string[],
  extra: Record<string, unknown> = {},
): Promise<Outcome> {
  return page.evaluate(
    async ({ modelUrl, images, fixtures, ortDist, extra }) => {
      const { web, collect } = (globalThis as unknown as { blurgate: HarnessGlobals }).blurgate;
      const gate = await web.createBlurGate({
        model: modelUrl,
        runtime: web.createWebRuntime({ wasmPaths: ortDist }),
        ...extra,
      });
      const blobs = await Promise.all(images.map(async (name) => (await fetch(`${fixtures}images/${name}`)).blob()));
      const results = await collect(gate.classifyMany(blobs));
      await gate.dispose();
      const { name, version, sha256, inputChannels, manifest } = gate.model;
      return {
        model: { name, version, sha256, inputChannels, manifestName: manifest?.name ?? null },
        scales: gate.scales,
        thresholds: gate.thresholds,
        results: results.map((r) =>
          r.status === 'ok'
            ? { status: r.status, label: r.label, probSharp: r.probSharp, probBlurred: r.probBlurred }
            : { status: r.status, code: r.error.code },
        ),
      };
    },
    { modelUrl: `/${folder}/model.onnx`, images, fixtures: FIXTURES, ortDist: ORT_DIST, extra },
  );
}

async function inNode(folder: string, images: readonly string[]): Promise<Outcome> {
  const gate = await createNodeGate({ model: path.join(REPO_ROOT, folder) });
  const results: Outcome['results'] = [];
  for await (const r of gate.classifyMany(images.map((name) => path.join(FIXTURES_DIR, 'images', name)))) {
    results.push(
      r.status === 'ok'
        ? { status: r.status, label: r.label, probSharp: r.probSharp, probBlurred: r.probBlurred }
        : { status: r.status, code: r.error.code },
    );
  }
  await gate.dispose();
  const { name, version, sha256, inputChannels, manifest } = gate.model;
  return {
    model: { name, version, sha256, inputChannels, manifestName: manifest?.name ?? null },
    scales: gate.scales,
    thresholds: gate.thresholds,
    results,
  };
}

describe.each(MODEL_FOLDERS)('the model folder %s with default options', (folder) => {
  it('gives the same scales, thresholds, labels and probabilities (within 1e-4) in node and in Chromium', async () => {
    const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, folder, 'manifest.json'), 'utf8'));
    const [web, node] = [await inBrowser(folder, OPAQUE_PNGS), await inNode(folder, OPAQUE_PNGS)];
    expect(node.scales).toEqual(manifest.scales);
    expect(web.scales).toEqual(manifest.scales);
    expect(web.thresholds).toEqual({
      confidenceThreshold: manifest.thresholds.confidence,
      blurThreshold: manifest.thresholds.blur,
    });
    expect(web.thresholds).toEqual(node.thresholds);
    expect(web.model).toEqual(node.model);
    expect(web.model).toMatchObject({
      name: manifest.name,
      version: manifest.version,
      sha256: manifest.sha256,
      manifestName: manifest.name,
    });
    let worst = 0;
    for (const [i, name] of OPAQUE_PNGS.entries()) {
      const [w, n] = [web.results[i]!, node.results[i]!];
      expect(n.status, name).toBe('ok');
      expect(w.label, name).toBe(n.label);
      worst = Math.max(worst, Math.abs(w.probBlurred! - n.probBlurred!), Math.abs(w.probSharp! - n.probSharp!));
    }
    expect(worst).toBeLessThan(1e-4);
    expect(pageErrors).toEqual([]);
  });
});

describe('manifests in the browser', () => {
  const folder = MODEL_FOLDERS[1];

  it('manifest: null runs without one (the 5-scale recipe); a manifest object is used as given', async () => {
    const bare = await inBrowser(folder, OPAQUE_PNGS.slice(0, 1), { manifest: null });
    expect(bare.scales).toEqual([256, 320, 384, 448, 512]);
    expect(bare.model).toMatchObject({ name: 'model.onnx', version: 'unversioned', manifestName: null });
    const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, folder, 'manifest.json'), 'utf8'));
    const given = await inBrowser(folder, OPAQUE_PNGS.slice(0, 1), {
      manifest: { ...manifest, scales: [320], thresholds: { confidence: 0.9, blur: 0.4 } },
    });
    expect(given.scales).toEqual([320]);
    expect(given.thresholds).toEqual({ confidenceThreshold: 0.9, blurThreshold: 0.4 });
    expect(given.model).toMatchObject({ name: manifest.name, version: manifest.version });
  });

  it("refuses bytes that are not the manifest's (CHECKSUM_MISMATCH), a manifest of another channel count, and a bad manifest", async () => {
    const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, folder, 'manifest.json'), 'utf8'));
    const outcome = await page.evaluate(
      async ({ modelUrl, fixtures, ortDist, manifest }) => {
        const { web } = (globalThis as unknown as { blurgate: HarnessGlobals }).blurgate;
        const runtime = web.createWebRuntime({ wasmPaths: ortDist });
        const failure = (error: { name?: string; code?: string; message?: string }) => ({
          name: error.name,
          code: error.code,
          message: error.message,
        });
        const wrongSha = await web
          .createBlurGate({ model: modelUrl, runtime, manifest: { ...manifest, sha256: 'b'.repeat(64) } })
          .then(() => null, failure);
        const fourChannels = await web
          .createBlurGate({
            model: `${fixtures}models/tiny-3ch.onnx`,
            runtime,
            manifest: { ...manifest, inputChannels: 4, preprocessing: { ...manifest.preprocessing, freqAux: 'core' } },
          })
          .then(() => null, failure);
        const invalid = await web
          .createBlurGate({ model: modelUrl, runtime, manifest: { ...manifest, scales: 'all' } })
          .then(() => null, failure);
        return { wrongSha, fourChannels, invalid };
      },
      { modelUrl: `/${folder}/model.onnx`, fixtures: FIXTURES, ortDist: ORT_DIST, manifest },
    );
    expect(outcome.wrongSha).toMatchObject({
      name: 'ModelError',
      code: 'CHECKSUM_MISMATCH',
      message: expect.stringContaining(manifest.sha256),
    });
    expect(outcome.fourChannels).toMatchObject({
      code: 'UNSUPPORTED_MODEL',
      message: expect.stringContaining('manifest says 4 input channels but the model takes 3'),
    });
    expect(outcome.invalid).toMatchObject({
      name: 'ModelError',
      code: 'INVALID_MANIFEST',
      message: expect.stringContaining('"scales"'),
    });
    expect(pageErrors).toEqual([]);
  });

  it('ignores a manifest.json beside the model that describes another file, as node does', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'blurgate-other-'));
    const other = await openHarnessPage({ aliases: { '/other/': dir } });
    try {
      await copyFile(path.join(REPO_ROOT, folder, 'manifest.json'), path.join(dir, 'manifest.json')); // names model.onnx
      await copyFile(path.join(FIXTURES_DIR, 'models', 'tiny-3ch.onnx'), path.join(dir, 'other.onnx'));
      const outcome = await other.page.evaluate(async (ortDist) => {
        const { web } = (globalThis as unknown as { blurgate: HarnessGlobals }).blurgate;
        const gate = await web.createBlurGate({
          model: '/other/other.onnx',
          runtime: web.createWebRuntime({ wasmPaths: ortDist }),
        });
        await gate.dispose();
        return { name: gate.model.name, manifest: gate.model.manifest, scales: gate.scales };
      }, ORT_DIST);
      expect(outcome).toEqual({ name: 'other.onnx', manifest: null, scales: [256, 320, 384, 448, 512] });
      const node = await createNodeGate({ model: path.join(dir, 'other.onnx') });
      expect({ name: node.model.name, manifest: node.model.manifest }).toEqual({ name: 'other', manifest: null });
      await node.dispose();
    } finally {
      await other.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the worker gate reads the same manifest', async () => {
    const outcome = await page.evaluate(
      async ({ modelUrl, ortDist }) => {
        const { worker } = (globalThis as unknown as { blurgate: HarnessGlobals }).blurgate;
        const gate = await worker.createBlurGateWorker({ model: modelUrl, runtime: { wasmPaths: ortDist } });
        const info = { scales: gate.scales, name: gate.model.name, version: gate.model.version };
        await gate.dispose();
        const afterDispose = await gate
          .classifyPixels({ data: new Uint8Array(64 * 64 * 3), width: 64, height: 64, channels: 3 })
          .then(
            () => 'resolved',
            (error: { code?: string }) => error.code,
          );
        return { ...info, afterDispose };
      },
      { modelUrl: `/${MODEL_FOLDERS[0]}/model.onnx`, ortDist: ORT_DIST },
    );
    expect(outcome).toEqual({ scales: [384], name: 'blurgate-synth', version: '1.0.0', afterDispose: 'DISPOSED' });
  });
});
