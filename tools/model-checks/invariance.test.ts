/**
 * Invariance checks of the SHIPPED default model (issue 15), through @blurgate/node as a user runs it
 * (`createBlurGate()` with no model = the highest installed blurgate-synth, at its manifest's default scales),
 * and at the single scale 384 (`--fast`):
 *
 * - a sharp image downscaled 2x and 4x stays sharp (a downscaled sharp image is sharp). The sources are
 *   whole images from packages held out of training, large enough that the gate still looks at the
 *   downscaled copy at about its own size or smaller: a factor is skipped when the copy's longer side
 *   would fall below 320 px, because the gate's squash would then UPSAMPLE it, which is blur at the size
 *   the gate looks at;
 * - crisp text with a lowercase x-height of 5 to 20 px stays sharp, and is never called blurred with
 *   confidence above 0.9;
 * - a blurred image stays blurred after a JPEG round trip (quality 50 and 75): the sharp fixtures blurred
 *   with a Gaussian of sigma 3 px measured at scale 384 (so visibly blurred where the gate
 *   looks), then JPEG-compressed.
 *
 * Fixtures: tools/model-checks/fixtures, written once by tools/fixtures/make_invariance_fixtures.py
 * (DejaVu Sans text, held-out package images); no Python here.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BlurGate, createBlurGate } from '@blurgate/node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');
// The repo's models/ folder, named explicitly: the shipped default model is the highest blurgate-synth there.
const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));
const sharpImages = readdirSync(FIXTURES).filter((f) => f.startsWith('sharp-'));
const textImages = readdirSync(FIXTURES).filter((f) => f.startsWith('text-'));

async function downscaled(file: string, factor: number): Promise<Buffer | null> {
  const meta = await sharp(join(FIXTURES, file)).metadata();
  const width = Math.round((meta.width ?? 0) / factor);
  const height = Math.round((meta.height ?? 0) / factor);
  if (Math.max(width, height) < 320) return null;
  return sharp(join(FIXTURES, file)).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }).png().toBuffer();
}

async function blurredJpeg(file: string, view: number, quality: number): Promise<Buffer> {
  const meta = await sharp(join(FIXTURES, file)).metadata();
  // sigma 3 px in the view the gate squashes to: scale by the larger of the two squash factors.
  const sigma = (3 * Math.max(meta.width ?? 0, meta.height ?? 0)) / view;
  return sharp(join(FIXTURES, file)).removeAlpha().blur(sigma).jpeg({ quality }).toBuffer();
}

for (const mode of ['default scales', 'single scale 384'] as const) {
  describe(`shipped default model, ${mode}`, () => {
    let gate: BlurGate;
    beforeAll(async () => {
      const modelStore = { roots: [MODELS] };
      gate = await createBlurGate(mode === 'default scales' ? { modelStore } : { modelStore, scales: [384] });
    });
    afterAll(async () => {
      await gate?.dispose();
    });

    it('calls the held-out sharp images sharp, and 2x and 4x downscaled copies too', async () => {
      const wrong: string[] = [];
      for (const file of sharpImages) {
        for (const factor of [1, 2, 4]) {
          const input = factor === 1 ? join(FIXTURES, file) : await downscaled(file, factor);
          if (input === null) continue;
          const p = await gate.classify(input);
          if (p.probBlurred >= 0.5) wrong.push(`${file} /${factor}: p_blurred ${p.probBlurred.toFixed(3)}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    it('calls crisp text with x-height 5-20 px sharp, never blurred with confidence above 0.9', async () => {
      expect(textImages.length).toBe(5);
      const wrong: string[] = [];
      for (const file of textImages) {
        const p = await gate.classify(join(FIXTURES, file));
        if (p.probBlurred >= 0.5) wrong.push(`${file}: p_blurred ${p.probBlurred.toFixed(3)}`);
        expect(p.probBlurred).toBeLessThanOrEqual(0.9);
      }
      expect(wrong).toEqual([]);
    });

    it('keeps blurred images blurred after a JPEG round trip (quality 50 and 75)', async () => {
      const view = 384; // the default scale: sigma 3 px there (2 px at 256, 4 px at 512)
      const wrong: string[] = [];
      for (const file of [...sharpImages, ...textImages]) {
        for (const quality of [50, 75]) {
          const p = await gate.classify(await blurredJpeg(file, view, quality));
          if (p.probBlurred < 0.5) wrong.push(`${file} q${quality}: p_blurred ${p.probBlurred.toFixed(3)}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  });
}
