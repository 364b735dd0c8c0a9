import { ImageInputError } from './errors.js';
import { assertPixelImage } from './image-validation.js';
import type { PixelImage } from './pixel-image.js';

/** ImageNet per-channel mean (R, G, B) of `v / 255`. */
export const IMAGENET_MEAN: readonly [number, number, number] = Object.freeze([0.485, 0.456, 0.406]) as readonly [
  number,
  number,
  number,
];
/** ImageNet per-channel standard deviation (R, G, B) of `v / 255`. */
export const IMAGENET_STD: readonly [number, number, number] = Object.freeze([0.229, 0.224, 0.225]) as readonly [
  number,
  number,
  number,
];

const f32 = Math.fround;

/**
 * `(v / 255 - mean) / std` for every 8-bit value of one channel, with float32 rounding after
 * each operation as PyTorch does, so the tensor equals the reference's to the last bit.
 */
function channelTable(channel: number): Float32Array {
  const mean = f32(IMAGENET_MEAN[channel]);
  const std = f32(IMAGENET_STD[channel]);
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = f32(f32(f32(v / 255) - mean) / std);
  return table;
}

let tables: readonly Float32Array[] | null = null;
function normalisationTables(): readonly Float32Array[] {
  // Built lazily: core has no side effects at import time.
  tables ??= [channelTable(0), channelTable(1), channelTable(2)];
  return tables;
}

/** The normalised value of every 8-bit value of one channel (R 0, G 1, B 2); shared, do not modify. */
export function normalisationTable(channel: 0 | 1 | 2): Float32Array {
  return normalisationTables()[channel];
}

/**
 * RGB pixels to a CHW float32 array: `x = v / 255`, then ImageNet `(x - mean) / std` per channel
 * (docs/reference-arithmetic.md §1.2). The image must have 3 channels (use `toRgb` first).
 */
export function normalizeImage(rgb: PixelImage): Float32Array {
  const { data, width, height, channels } = assertPixelImage(rgb);
  if (channels !== 3) {
    throw new ImageInputError(
      'INVALID_IMAGE',
      `normalizeImage needs an RGB image (3 channels), got ${channels}; call toRgb first`,
    );
  }
  const plane = width * height;
  const out = new Float32Array(plane * 3);
  const [red, green, blue] = normalisationTables();
  for (let i = 0, s = 0; i < plane; i++, s += 3) {
    out[i] = red[data[s]];
    out[plane + i] = green[data[s + 1]];
    out[2 * plane + i] = blue[data[s + 2]];
  }
  return out;
}
