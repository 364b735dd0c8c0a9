// `pnpm --filter @blurgate/core bench`: preprocessing cost of one 1280×720 RGB frame (a GoPro frame's size).
import { bench, describe } from 'vitest';
import { laplacianVariance, modelInputTensor, type PixelImage, resizeBilinear } from '../src/index.js';

function noiseFrame(width: number, height: number): PixelImage {
  const data = new Uint8Array(width * height * 3);
  let state = 1;
  for (let i = 0; i < data.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return { data, width, height, channels: 3 };
}

const frame = noiseFrame(1280, 720);

describe('1280×720 RGB frame', () => {
  bench('resizeBilinear to 512×512', () => {
    resizeBilinear(frame, 512, 512);
  });
  bench('modelInputTensor 384, 4 channels', () => {
    modelInputTensor(frame, 384, 4);
  });
  bench('modelInputTensor at 256, 320, 384, 448, 512 (5-scale TTA), 4 channels', () => {
    for (const scale of [256, 320, 384, 448, 512]) modelInputTensor(frame, scale, 4);
  });
  bench('laplacianVariance', () => {
    laplacianVariance(frame);
  });
});
