import type { PixelImage } from './pixel-image.js';
import { checkModelInput, createPreprocessor } from './preprocessor.js';

/**
 * The model input for one TTA scale, `channels × size × size` float32 in CHW order (the batch of
 * one is implied): Pillow bilinear squash to `size × size`, `/255`, ImageNet normalisation, and for
 * `channels === 4` the FreqAux channel appended (docs/reference-arithmetic.md §1.2-1.3). Non-RGB input is converted first.
 * One-off convenience over the JS {@link createPreprocessor} path; keep a preprocessor for repeated calls.
 */
export function modelInputTensor(rgb: PixelImage, size: number, channels: 3 | 4): Float32Array {
  checkModelInput(size, channels);
  return createPreprocessor().prepare(rgb).modelInput(size, channels);
}
