import { OptionError } from './errors.js';
import { freqAuxChannel } from './freq-aux.js';
import { normalizeImage } from './normalize-image.js';
import type { PixelImage } from './pixel-image.js';
import { resizeBilinear } from './resize-bilinear.js';
import { toRgb } from './to-rgb.js';

/**
 * The model input for one TTA scale, `channels × size × size` float32 in CHW order (the batch of
 * one is implied): Pillow bilinear squash to `size × size`, `/255`, ImageNet normalisation, and for
 * `channels === 4` the FreqAux channel appended (SPEC 1.2-1.3). Non-RGB input is converted first.
 */
export function modelInputTensor(rgb: PixelImage, size: number, channels: 3 | 4): Float32Array {
  if (channels !== 3 && channels !== 4) {
    throw new OptionError(`model input channels must be 3 or 4, got ${String(channels)}`);
  }
  if (!Number.isInteger(size) || size <= 0) {
    throw new OptionError(`scale must be a positive integer, got ${String(size)}`);
  }
  const resized = resizeBilinear(toRgb(rgb), size, size);
  const normalised = normalizeImage(resized);
  if (channels === 3) return normalised;
  const plane = size * size;
  const tensor = new Float32Array(plane * 4);
  tensor.set(normalised);
  tensor.set(freqAuxChannel(normalised, size, size), plane * 3);
  return tensor;
}
