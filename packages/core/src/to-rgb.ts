import { assertPixelImage } from './image-validation.js';
import type { PixelImage } from './pixel-image.js';

/**
 * Converts 1/2/3/4-channel 8-bit pixels to RGB exactly as Pillow's `convert("RGB")` does:
 * grey is replicated to three channels, grey+alpha keeps the grey (alpha dropped), RGB is
 * returned as is (not copied), RGBA drops alpha without compositing onto a background.
 */
export function toRgb(image: PixelImage): PixelImage {
  const valid = assertPixelImage(image);
  const { data, width, height, channels } = valid;
  if (channels === 3) return valid;
  const pixels = width * height;
  const out = new Uint8Array(pixels * 3);
  if (channels === 4) {
    for (let i = 0, o = 0, s = 0; i < pixels; i++, o += 3, s += 4) {
      out[o] = data[s];
      out[o + 1] = data[s + 1];
      out[o + 2] = data[s + 2];
    }
  } else {
    // 1 channel (L) or 2 channels (LA): the grey sample is the first of each pixel.
    for (let i = 0, o = 0, s = 0; i < pixels; i++, o += 3, s += channels) {
      const grey = data[s];
      out[o] = grey;
      out[o + 1] = grey;
      out[o + 2] = grey;
    }
  }
  return { data: out, width, height, channels: 3 };
}
