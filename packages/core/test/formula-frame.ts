import type { PixelImage } from '../src/index.js';

/** The RGB frame of `formula_frame` in tools/fixtures/make_core_fixtures.py, from integer arithmetic only. */
export function formulaFrame(width: number, height: number): PixelImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const checker = ((Math.floor(x / 8) + Math.floor(y / 8)) % 2) * 60;
      const base = x * 3 + y * 5 + ((x * y) % 97) * 2 + checker;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = (base + c * 50) % 256;
    }
  }
  return { data, width, height, channels: 3 };
}
