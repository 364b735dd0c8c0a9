import type { PixelImage } from '../src/index.js';

/** Deterministic pseudo-random pixels: smooth gradients plus noise, like a photo with texture. */
export function randomImage(width: number, height: number, channels: 1 | 2 | 3 | 4, seed: number): PixelImage {
  const data = new Uint8Array(width * height * channels);
  let state = seed >>> 0 || 1;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++, i++) {
        state = (state * 1103515245 + 12345) >>> 0;
        data[i] = ((x * (c + 1) * 7 + y * 3 + (state >>> 26)) * 255) / (width * 7 + height * 3 + 64);
      }
    }
  }
  return { data, width, height, channels };
}
