// `pnpm --filter @blurgate/core bench`: preprocessing cost of one 1280×720 RGB frame (a GoPro frame's size), the JS
// path and the WebAssembly SIMD kernels (dist/, built by `pnpm build`).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bench, describe } from 'vitest';
import {
  createPreprocessor,
  instantiatePreprocessKernels,
  laplacianVariance,
  modelInputTensor,
  type PixelImage,
  resizeBilinear,
  type WebAssemblyLike,
} from '../src/index.js';

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
const SCALES = [256, 320, 384, 448, 512];
const js = createPreprocessor();
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyLike }).WebAssembly;
const wasmBytes = new Uint8Array(
  readFileSync(fileURLToPath(new URL('../dist/preprocess-kernels.wasm', import.meta.url))),
);
const wasm = createPreprocessor({ wasm: await instantiatePreprocessKernels(wasmBytes, webAssembly) });

describe('1280×720 RGB frame', () => {
  bench('resizeBilinear to 512×512', () => {
    resizeBilinear(frame, 512, 512);
  });
  bench('modelInputTensor 384, 4 channels', () => {
    modelInputTensor(frame, 384, 4);
  });
  bench('JS preprocessor 384, 4 channels', () => {
    js.prepare(frame).modelInput(384, 4);
  });
  bench('WebAssembly SIMD preprocessor 384, 4 channels', () => {
    wasm.prepare(frame).modelInput(384, 4);
  });
  bench('JS preprocessor, 5-scale TTA, 4 channels', () => {
    const prepared = js.prepare(frame);
    for (const scale of SCALES) prepared.modelInput(scale, 4);
  });
  bench('WebAssembly SIMD preprocessor, 5-scale TTA, 4 channels', () => {
    const prepared = wasm.prepare(frame);
    for (const scale of SCALES) prepared.modelInput(scale, 4);
  });
  bench('laplacianVariance', () => {
    laplacianVariance(frame);
  });
});
