/**
 * 2-D convolution of an interleaved 8-bit RGB image with a blur kernel, edges clamped.
 * Hand-written rather than sharp's `convolve`: motion PSFs are sparse, so iterating only over non-zero taps
 * is cheap even for 40-pixel shakes, and float weights stay exact (no integer mask rounding).
 */
import type { BlurKernel } from './kernels.js';

/** Returns a new Float32Array (interleaved, `channels` per pixel) of the blurred image. */
export function convolveImage(
  pixels: Uint8Array | Float32Array,
  width: number,
  height: number,
  channels: number,
  kernel: BlurKernel,
): Float32Array {
  if (isSeparable(kernel)) {
    // Rank-1 kernels (the Gaussian) as two 1-D passes: O(size) instead of O(size^2) taps per pixel.
    const c = (kernel.size - 1) / 2;
    const row: Tap[] = [];
    const col: Tap[] = [];
    const centre = kernel.data[c * kernel.size + c] ?? 0;
    for (let i = 0; i < kernel.size; i++) {
      const wr = (kernel.data[c * kernel.size + i] ?? 0) / Math.sqrt(centre);
      const wc = (kernel.data[i * kernel.size + c] ?? 0) / Math.sqrt(centre);
      if (wr > 1e-7) row.push({ dx: i - c, dy: 0, w: wr });
      if (wc > 1e-7) col.push({ dx: 0, dy: i - c, w: wc });
    }
    return convolveTaps(convolveTaps(pixels, width, height, channels, row), width, height, channels, col);
  }
  const c = (kernel.size - 1) / 2;
  const taps: Tap[] = [];
  for (let y = 0; y < kernel.size; y++) {
    for (let x = 0; x < kernel.size; x++) {
      const w = kernel.data[y * kernel.size + x] ?? 0;
      if (w > 1e-7) taps.push({ dx: x - c, dy: y - c, w });
    }
  }
  return convolveTaps(pixels, width, height, channels, taps);
}

interface Tap {
  readonly dx: number;
  readonly dy: number;
  readonly w: number;
}

/** True when the kernel is the outer product of its centre row and column (within float error). */
export function isSeparable(kernel: BlurKernel): boolean {
  const n = kernel.size;
  const c = (n - 1) / 2;
  const centre = kernel.data[c * n + c] ?? 0;
  if (!(centre > 0)) return false;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const expected = ((kernel.data[y * n + c] ?? 0) * (kernel.data[c * n + x] ?? 0)) / centre;
      if (Math.abs(expected - (kernel.data[y * n + x] ?? 0)) > 1e-9) return false;
    }
  }
  return true;
}

function convolveTaps(
  pixels: Uint8Array | Float32Array,
  width: number,
  height: number,
  channels: number,
  taps: readonly Tap[],
): Float32Array {
  const out = new Float32Array(width * height * channels);
  const rowStride = width * channels;
  for (const { dx, dy, w } of taps) {
    // PSF convention: out(x) = sum k(d) in(x - d).
    for (let y = 0; y < height; y++) {
      const sy = Math.min(height - 1, Math.max(0, y - dy));
      const srcRow = sy * rowStride;
      const dstRow = y * rowStride;
      for (let x = 0; x < width; x++) {
        const sx = Math.min(width - 1, Math.max(0, x - dx));
        const s = srcRow + sx * channels;
        const d = dstRow + x * channels;
        for (let ch = 0; ch < channels; ch++) out[d + ch] = (out[d + ch] ?? 0) + w * (pixels[s + ch] ?? 0);
      }
    }
  }
  return out;
}
