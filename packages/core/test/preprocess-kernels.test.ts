import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BlurgateError,
  createBlurClassifier,
  createGate,
  createPreprocessor,
  decodeBase64,
  instantiatePreprocessKernels,
  type PixelImage,
  type PreparedImage,
  type Preprocessor,
  predictTta,
  resizeBilinear,
  toRgb,
} from '../src/index.js';
import { firstDifference, maxAbsDifference } from './array-difference.js';
import { formulaFrame } from './formula-frame.js';
import type { FreqAuxCase, ResizeCase, TtaFixture } from './golden-cases.js';
import { bytesFromBase64, float32FromBase64, imageFromBase64, loadFixture } from './load-fixture.js';
import { MeanFeatureSession } from './mean-feature-session.js';
import { BUILT_KERNELS_PATH, loadBuiltKernels, testWebAssembly } from './built-kernels.js';
import { randomImage } from './random-image.js';

// The WebAssembly SIMD kernels (built by `pnpm build` into dist/) against the goldens and against the JS path.
const wasmPath = BUILT_KERNELS_PATH;
const base64Path = fileURLToPath(new URL('../dist/preprocess-kernels-wasm.js', import.meta.url));

// Node's WebAssembly global; its type lives in lib.dom, which core's tests do not load.
const webAssembly = testWebAssembly;

const tta = loadFixture<TtaFixture>('tta.json');

let wasm: Preprocessor;
const js = createPreprocessor();

beforeAll(async () => {
  wasm = createPreprocessor({ wasm: await loadBuiltKernels() });
});

/** Normalised planes bit-identical, FreqAux within `tolerance` (the kernels' f64 sums run in another order). */
function expectSameModelInput(fast: Float32Array, plain: Float32Array, size: number, tolerance = 1e-6): void {
  const plane = size * size;
  expect(fast.length).toBe(plain.length);
  expect(maxAbsDifference(fast.subarray(0, plane * 3), plain.subarray(0, plane * 3))).toBe(0);
  if (fast.length > plane * 3) {
    expect(maxAbsDifference(fast.subarray(plane * 3), plain.subarray(plane * 3))).toBeLessThanOrEqual(tolerance);
  }
}

describe('loading the kernels', () => {
  it('reports its backend', () => {
    expect(wasm.backend).toBe('wasm-simd');
    expect(js.backend).toBe('js');
  });
  it('the base64 module holds the same bytes as the .wasm file', async () => {
    const { PREPROCESS_KERNELS_WASM_BASE64 } = (await import(base64Path)) as { PREPROCESS_KERNELS_WASM_BASE64: string };
    expect(Buffer.from(decodeBase64(PREPROCESS_KERNELS_WASM_BASE64)).equals(readFileSync(wasmPath))).toBe(true);
  });
  it('decodeBase64 matches Buffer on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(Array.from(decodeBase64(Buffer.from(bytes).toString('base64')))).toEqual(Array.from(bytes));
      }),
    );
  });
  it('refuses bytes the engine cannot compile with a typed error', async () => {
    await expect(
      instantiatePreprocessKernels(new Uint8Array([0, 97, 115, 109, 9, 9]), webAssembly),
    ).rejects.toBeInstanceOf(BlurgateError);
  });
});

describe('kernels against the goldens', () => {
  const resizeCases = loadFixture<{ cases: ResizeCase[] }>('resize.json').cases;
  it.each(resizeCases.map((c) => [c.name, c] as const))('resize %s is bit-identical to Pillow', (_name, c) => {
    const image = imageFromBase64(c.data, c.width, c.height, c.channels);
    const expected = bytesFromBase64(c.expected);
    for (const preprocessor of [wasm, js]) {
      const out = preprocessor.prepare(image).resized(c.outWidth, c.outHeight);
      expect([out.width, out.height, out.channels]).toEqual([c.outWidth, c.outHeight, 3]);
      expect(firstDifference(out.data, expected)).toBe(-1);
    }
  });

  const freqCases = loadFixture<{ cases: FreqAuxCase[] }>('freq-aux.json').cases;
  it.each(freqCases.map((c) => [c.name, c] as const))('model input %s matches torch and the JS path', (_name, c) => {
    const image = imageFromBase64(c.data, c.width, c.height, 3);
    const plane = c.size * c.size;
    const fast = wasm.prepare(image).modelInput(c.size, 4);
    const plain = js.prepare(image).modelInput(c.size, 4);
    expectSameModelInput(fast, plain, c.size);
    if (c.normalized !== null)
      expect(maxAbsDifference(fast.subarray(0, plane * 3), float32FromBase64(c.normalized))).toBe(0);
    if (c.size === 1) expect(Array.from(fast.subarray(3))).toEqual([0]);
    else expect(maxAbsDifference(fast.subarray(plane * 3), float32FromBase64(c.aux))).toBeLessThan(1e-5);
    expect(wasm.prepare(image).modelInput(c.size, 3)).toEqual(fast.subarray(0, plane * 3));
  });

  const large = loadFixture<{
    samples: number;
    frames: {
      width: number;
      height: number;
      results: { scale: number; resizedSha256: string; auxSamples: string }[];
    }[];
  }>('large.json');
  for (const frame of large.frames) {
    it(`${frame.width}×${frame.height} at ${frame.results.map((r) => r.scale).join(', ')}: Pillow's bytes, torch's FreqAux`, () => {
      const prepared = wasm.prepare(formulaFrame(frame.width, frame.height));
      for (const { scale, resizedSha256, auxSamples } of frame.results) {
        const resized = prepared.resized(scale, scale);
        expect(createHash('sha256').update(resized.data).digest('hex')).toBe(resizedSha256);
        const plane = scale * scale;
        const aux = prepared.modelInput(scale, 4).subarray(plane * 3);
        const expected = float32FromBase64(auxSamples);
        let worst = 0;
        for (let i = 0; i < large.samples; i++) {
          worst = Math.max(worst, Math.abs(aux[Math.floor((i * plane) / large.samples)] - expected[i]));
        }
        expect(worst).toBeLessThan(1e-5);
      }
    });
  }

  it.each(tta.cases.map((c) => [c.name, c] as const))(
    'TTA %s through predictTta and createBlurClassifier',
    async (_name, c) => {
      const image = imageFromBase64(c.data, c.width, c.height, c.channels);
      for (const channels of [3, 4] as const) {
        const key = channels === 3 ? '3' : '4';
        const model = tta.models[key];
        const session = new MeanFeatureSession(channels, model.weight, model.bias);
        const result = await predictTta(session, image, tta.scales, { preprocessor: wasm });
        expect(Math.abs(result.probBlurred - c.results[key].probBlurred)).toBeLessThan(1e-5);
        const classifier = createBlurClassifier(session, { scales: tta.scales, preprocessor: wasm });
        expect((await classifier.classify(image)).label).toBe(c.results[key].label);
      }
    },
  );
});

describe('kernels equal the JS path (property)', () => {
  const side = fc.integer({ min: 1, max: 700 });
  const channels = fc.constantFrom<1 | 2 | 3 | 4>(1, 2, 3, 4);
  const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });

  it('model inputs at random sizes and scales 32..640: RGB planes bit-identical, FreqAux within 1e-6', () => {
    fc.assert(
      fc.property(side, side, channels, fc.integer({ min: 32, max: 640 }), seed, (width, height, ch, scale, s) => {
        const image = randomImage(width, height, ch, s);
        expectSameModelInput(wasm.prepare(image).modelInput(scale, 4), js.prepare(image).modelInput(scale, 4), scale);
      }),
      { numRuns: 40 },
    );
  });

  it('resize to random sizes is bit-identical to resizeBilinear(toRgb(image))', () => {
    fc.assert(
      fc.property(
        side,
        side,
        channels,
        fc.integer({ min: 1, max: 640 }),
        fc.integer({ min: 1, max: 640 }),
        seed,
        (w, h, ch, ow, oh, s) => {
          const image = randomImage(w, h, ch, s);
          const expected = resizeBilinear(toRgb(image), ow, oh).data;
          expect(firstDifference(wasm.prepare(image).resized(ow, oh).data, expected)).toBe(-1);
          expect(firstDifference(js.prepare(image).resized(ow, oh).data, expected)).toBe(-1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('same-size axes and small images (every pass combination)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 24 }), channels, seed, (w, h, ch, s) => {
        const image = randomImage(w, h, ch, s);
        for (const [ow, oh] of [
          [w, h],
          [w, h + 3],
          [w + 2, h],
          [Math.max(1, w - 1), Math.max(1, h - 1)],
        ]) {
          expect(
            firstDifference(wasm.prepare(image).resized(ow, oh).data, resizeBilinear(toRgb(image), ow, oh).data),
          ).toBe(-1);
        }
        for (const size of [w, h, 1, 2, 31]) {
          expectSameModelInput(wasm.prepare(image).modelInput(size, 4), js.prepare(image).modelInput(size, 4), size);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('interleaved prepared images (several classifications in flight) give each its own result', () => {
    const a = randomImage(300, 200, 3, 7);
    const b = randomImage(420, 500, 4, 9);
    const expectedA = js.prepare(a).modelInput(256, 4);
    const expectedB = js.prepare(b).modelInput(320, 4);
    const pa = wasm.prepare(a);
    const pb = wasm.prepare(b);
    for (let round = 0; round < 2; round++) {
      expectSameModelInput(pb.modelInput(320, 4), expectedB, 320);
      expectSameModelInput(pa.modelInput(256, 4), expectedA, 256);
    }
  });
});

describe('gates use the preprocessor they are given', () => {
  it('createGate passes options.preprocessor to the classifier; the answers equal the default (JS) gate', async () => {
    const model = tta.models['4'];
    const runtime = {
      name: 'mean-feature runtime',
      loadModel: async () => new MeanFeatureSession(4, model.weight, model.bias),
    };
    const prepared: PixelImage[] = [];
    const spy: Preprocessor = {
      backend: wasm.backend,
      prepare(image: PixelImage): PreparedImage {
        prepared.push(image);
        return wasm.prepare(image);
      },
    };
    const decode = async (image: PixelImage) => image;
    const options = { scales: [32, 48] };
    const withKernels = await createGate({
      runtime,
      decode,
      model: { bytes: new Uint8Array(1) },
      options: { ...options, preprocessor: spy },
    });
    const plain = await createGate({ runtime, decode, model: { bytes: new Uint8Array(1) }, options });
    const image = imageFromBase64(tta.cases[0].data, tta.cases[0].width, tta.cases[0].height, tta.cases[0].channels);
    const fast = await withKernels.classify(image);
    const reference = await plain.classify(image);
    expect(prepared).toHaveLength(1);
    expect(fast.label).toBe(reference.label);
    expect(Math.abs(fast.probBlurred - reference.probBlurred)).toBeLessThan(1e-6);
    await withKernels.dispose();
    await plain.dispose();
  });
});
