import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPreprocessor, type Preprocessor, resizeBilinear } from '../src/index.js';
import { ModelInputPool } from '../src/model-input-pool.js';
import { createWasmPreprocessor } from '../src/wasm-preprocessor.js';
import { loadBuiltKernels } from './built-kernels.js';
import { randomImage } from './random-image.js';

// RGB rows go 16 at a time through the transposing horizontal kernel (resampleHorizontalBlocks), the remaining
// rows through the plain one. Its edges: rows a multiple of 16 or one short of it, source rows whose byte length is
// or is not a multiple of 16, output rows shorter than one 16-byte tile, horizontal-only resizes (the blocks write
// the final image) and one-row-past taps at the right edge. Every byte must be Pillow's (resizeBilinear).
let wasm: Preprocessor;
let blockByBlock: Preprocessor;
beforeAll(async () => {
  wasm = createPreprocessor({ wasm: await loadBuiltKernels() });
  // The same kernels without the kept transposed blocks (what sources over 48 MiB get): block by block.
  const kernels = await loadBuiltKernels();
  blockByBlock = createWasmPreprocessor(kernels, createPreprocessor(), new ModelInputPool(), 0);
});

function sameBytes(width: number, height: number, outWidth: number, outHeight: number, seed: number): void {
  const image = randomImage(width, height, 3, seed);
  const expected = resizeBilinear(image, outWidth, outHeight).data;
  for (const preprocessor of [wasm, blockByBlock]) {
    const actual = preprocessor.prepare(image).resized(outWidth, outHeight).data;
    expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
  }
}

describe('the transposing horizontal kernel gives Pillow’s bytes', () => {
  const rows = fc.oneof(
    fc.integer({ min: 1, max: 6 }).map((k) => 16 * k),
    fc.integer({ min: 1, max: 6 }).map((k) => 16 * k - 1),
    fc.integer({ min: 16, max: 120 }),
  );
  const width = fc.oneof(
    fc.integer({ min: 1, max: 40 }).map((k) => 16 * k),
    fc.integer({ min: 2, max: 700 }),
  );
  const outWidth = fc.oneof(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 7, max: 600 }));
  const seed = fc.integer({ min: 1, max: 2 ** 31 - 1 });

  it('horizontal only (height kept)', () => {
    fc.assert(
      fc.property(width, rows, outWidth, seed, (w, h, ow, s) => {
        fc.pre(w !== ow);
        sameBytes(w, h, ow, h, s);
      }),
      { numRuns: 60 },
    );
  });

  it('both axes, down and up', () => {
    fc.assert(
      fc.property(width, rows, outWidth, fc.integer({ min: 1, max: 300 }), seed, (w, h, ow, oh, s) => {
        sameBytes(w, h, ow, oh, s);
      }),
      { numRuns: 60 },
    );
  });

  it('one prepared image at several scales, interleaved with another image (the transposed blocks are kept per image)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 400 }),
        fc.integer({ min: 16, max: 300 }),
        fc.integer({ min: 16, max: 400 }),
        fc.integer({ min: 16, max: 300 }),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 })), {
          minLength: 2,
          maxLength: 6,
        }),
        seed,
        (wa, ha, wb, hb, requests, s) => {
          const images = [randomImage(wa, ha, 3, s), randomImage(wb, hb, 3, s + 1)];
          for (const preprocessor of [wasm, blockByBlock]) {
            const prepared = images.map((image) => preprocessor.prepare(image));
            for (const [second, ow, oh] of requests) {
              const index = second ? 1 : 0;
              const expected = resizeBilinear(images[index], ow, oh).data;
              const actual = prepared[index].resized(ow, oh).data;
              expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('camera frames at the TTA scales', () => {
    for (const [w, h] of [
      [1920, 1080],
      [1600, 1067],
      [1280, 720],
      [640, 427],
    ]) {
      const image = randomImage(w, h, 3, w);
      const prepared = [wasm.prepare(image), blockByBlock.prepare(image)];
      for (const scale of [256, 320, 384, 448, 512]) {
        const expected = resizeBilinear(image, scale, scale).data;
        for (const p of prepared)
          expect(Buffer.from(p.resized(scale, scale).data).equals(Buffer.from(expected))).toBe(true);
      }
    }
  });
});
