import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceRuntime, ModelSession } from '@blurgate/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createBlurGate, createOnnxRuntime } from '../src/index.js';
import { IMAGES, MODELS, pngHeaderOnly, reference, STORE, TINY_3CH, TINY_4CH, withTempDir } from './helpers.js';

const runtime = createOnnxRuntime();

describe('createOnnxRuntime', () => {
  it('reads 3 or 4 input channels and refuses 5', async () => {
    const four = await runtime.loadModel(await readFile(TINY_4CH));
    const three = await runtime.loadModel(await readFile(TINY_3CH));
    expect([four.inputChannels, three.inputChannels]).toEqual([4, 3]);
    expect(four.inputNames).toEqual(['input']);
    const logits = await four.run(new Float32Array(4 * 32 * 32), [1, 4, 32, 32]);
    expect(logits).toHaveLength(2);
    await Promise.all([four.dispose(), three.dispose()]);
    await expect(runtime.loadModel(await readFile(join(MODELS, 'invalid-5ch.onnx')))).rejects.toMatchObject({
      name: 'ModelError',
      code: 'UNSUPPORTED_MODEL',
      message: 'model input has 5 channels; expected 3 or 4',
    });
    await expect(runtime.loadModel(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: 'UNSUPPORTED_MODEL' });
  });
});

describe('createBlurGate', () => {
  it('classifyMany streams results in input order, and bad inputs are results, not crashes', async () => {
    await withTempDir(async (dir) => {
      const one = join(dir, 'one.png');
      await sharp({ create: { width: 1, height: 1, channels: 3, background: '#888' } })
        .png()
        .toFile(one);
      const bomb = join(dir, 'bomb.png');
      await writeFile(bomb, pngHeaderOnly(40_000, 40_000));
      const text = join(dir, 'notes.jpg');
      await writeFile(text, 'not an image');
      const empty = join(dir, 'empty.png');
      await writeFile(empty, '');
      const good = ['flower.png', 'china.png', 'texture-blurred.png', 'grey.png'].map((n) => join(IMAGES, n));
      const inputs = [good[0], one, good[1], join(dir, 'missing.jpg'), bomb, good[2], text, empty, good[3]];
      const gate = await createBlurGate({ model: TINY_4CH, runtime, fast: true });
      const results = [];
      for await (const r of gate.classifyMany(inputs, { concurrency: 3 })) results.push(r);
      await gate.dispose();
      expect(results.map((r) => r.input)).toEqual(inputs);
      expect(results.map((r) => (r.status === 'ok' ? 'ok' : r.error.code))).toEqual([
        'ok',
        'INVALID_IMAGE',
        'ok',
        'INPUT_NOT_FOUND',
        'IMAGE_TOO_LARGE',
        'ok',
        'DECODE_FAILED',
        'DECODE_FAILED',
        'ok',
      ]);
      const first = results[0];
      if (first.status !== 'ok') throw new Error('expected ok');
      expect(first.label).toBe(reference.predictions['flower.png'].fast.label);
    });
  });

  it('classify takes paths and bytes and throws typed errors', async () => {
    const gate = await createBlurGate({ model: await readFile(TINY_3CH), runtime, scales: [256, 320] });
    expect(gate.model).toMatchObject({ name: 'in-memory', inputChannels: 3, path: null });
    const bytes = await readFile(join(IMAGES, 'palette.png'));
    const fromBytes = await gate.classify(bytes);
    const fromPath = await gate.classify(join(IMAGES, 'palette.png'));
    expect(fromBytes.probBlurred).toBe(fromPath.probBlurred);
    const expected = reference.predictions['palette.png'].scales.slice(0, 2);
    expect(fromPath.scales.map((s) => s.scale)).toEqual([256, 320]);
    expect(fromPath.probBlurred).toBeCloseTo((expected[0].probBlurred + expected[1].probBlurred) / 2, 4);
    await expect(gate.classify('/nope.png')).rejects.toMatchObject({ code: 'INPUT_NOT_FOUND' });
    await gate.dispose();
    await expect(gate.classify(bytes)).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('takes scales and thresholds from the manifest; explicit options win', async () => {
    await withTempDir(async (dir) => {
      const folder = join(dir, 'm', '1.0.0');
      await mkdir(folder, { recursive: true });
      await cp(TINY_4CH, join(folder, 'model.onnx'));
      const manifest = JSON.parse(await readFile(join(STORE, 'blurgate-tiny-4ch', '1.0.0', 'manifest.json'), 'utf8'));
      manifest.scales = [320];
      manifest.thresholds = { confidence: 0.9, blur: 0.3 };
      await writeFile(join(folder, 'manifest.json'), JSON.stringify(manifest));
      const fromManifest = await createBlurGate({ model: folder, runtime });
      expect(fromManifest.scales).toEqual([320]);
      expect(fromManifest.thresholds).toEqual({ confidenceThreshold: 0.9, blurThreshold: 0.3 });
      expect(fromManifest.model).toMatchObject({
        name: 'blurgate-tiny-4ch',
        version: '1.0.0',
        sha256: manifest.sha256,
      });
      await fromManifest.dispose();
      const explicit = await createBlurGate({ model: folder, runtime, fast: true, confidenceThreshold: 0.7 });
      expect(explicit.scales).toEqual([384]);
      expect(explicit.thresholds).toEqual({ confidenceThreshold: 0.7, blurThreshold: 0.3 });
      await explicit.dispose();
    });
  });

  it('refuses out-of-range options with INVALID_OPTION before any model is loaded', async () => {
    let loads = 0;
    const counting: InferenceRuntime = {
      name: 'counting',
      loadModel: async () => {
        loads++;
        throw new Error('not reached');
      },
    };
    for (const options of [
      { scales: [20000] },
      { maxPixels: 9007199254740992 },
      { concurrency: 65 },
      { blurThreshold: 2 },
    ]) {
      await expect(createBlurGate({ model: TINY_4CH, runtime: counting, ...options })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      });
    }
    expect(loads).toBe(0);
  });

  it('refuses a manifest whose channel count disagrees with the model', async () => {
    await withTempDir(async (dir) => {
      await cp(TINY_3CH, join(dir, 'model.onnx'));
      const manifest = JSON.parse(await readFile(join(STORE, 'blurgate-tiny-4ch', '1.0.0', 'manifest.json'), 'utf8'));
      manifest.sha256 = JSON.parse(
        await readFile(join(STORE, 'blurgate-tiny-3ch', '1.0.0', 'manifest.json'), 'utf8'),
      ).sha256;
      await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
      await expect(createBlurGate({ model: dir, runtime })).rejects.toMatchObject({
        code: 'UNSUPPORTED_MODEL',
        message: expect.stringMatching(/manifest says 4 input channels but the model takes 3/),
      });
    });
  });

  it('overlaps decoding with inference but runs one inference at a time, and stops on abort', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const slow: InferenceRuntime = {
      name: 'slow mock',
      async loadModel(): Promise<ModelSession> {
        return {
          inputNames: ['input'],
          outputNames: ['logits'],
          inputChannels: 3,
          async run() {
            running++;
            runs++;
            maxRunning = Math.max(maxRunning, running);
            await new Promise((r) => setTimeout(r, 5));
            running--;
            return new Float32Array([0, 1]);
          },
          async dispose() {},
        };
      },
    };
    const gate = await createBlurGate({ model: new Uint8Array([0]), runtime: slow, fast: true });
    const inputs = Array.from({ length: 12 }, () => join(IMAGES, 'texture.png'));
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const r of gate.classifyMany(inputs, { concurrency: 4, signal: controller.signal })) {
          seen.push(r.status);
          if (seen.length === 3) controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'ABORTED' });
    expect(seen).toEqual(['ok', 'ok', 'ok']);
    expect(maxRunning).toBe(1);
    expect(runs).toBeLessThan(12);
    await gate.dispose();
  });
});
