import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { modelInputTensor, resizeBilinear } from '../src/index.js';
import { formulaFrame } from './formula-frame.js';
import { float32FromBase64, loadFixture } from './load-fixture.js';

interface LargeFixture {
  samples: number;
  frames: {
    width: number;
    height: number;
    results: { scale: number; resizedSha256: string; auxSamples: string }[];
  }[];
}

const fixture = loadFixture<LargeFixture>('large.json');

// Production sizes (a 1280×720 frame at the five TTA scales) without committing large files.
describe('full-size frames against Pillow and torch', () => {
  for (const frame of fixture.frames) {
    const image = formulaFrame(frame.width, frame.height);
    for (const result of frame.results) {
      const { scale } = result;
      it(`${frame.width}×${frame.height} at ${scale}: resize bit-identical, FreqAux to 1e-5`, () => {
        const resized = resizeBilinear(image, scale, scale);
        expect(createHash('sha256').update(resized.data).digest('hex')).toBe(result.resizedSha256);
        const plane = scale * scale;
        const aux = modelInputTensor(image, scale, 4).subarray(plane * 3);
        const expected = float32FromBase64(result.auxSamples);
        let worst = 0;
        for (let i = 0; i < fixture.samples; i++) {
          const position = Math.floor((i * plane) / fixture.samples);
          worst = Math.max(worst, Math.abs(aux[position] - expected[i]));
        }
        expect(worst).toBeLessThan(1e-5);
      });
    }
  }
});
