import { OptionError } from './errors.js';
import { IMAGENET_MEAN, IMAGENET_STD, normalisationTable } from './normalize-image.js';

/** Luma weights of the reference's FreqAux (`rgb2gray` buffer), R, G, B. */
export const FREQ_AUX_LUMA: readonly [number, number, number] = Object.freeze([0.2989, 0.587, 0.114]) as readonly [
  number,
  number,
  number,
];
/** Lower bound of the standard deviation used to standardise the Laplacian magnitude. */
export const FREQ_AUX_MIN_STD = 1e-6;

const f32 = Math.fround;

/**
 * The frequency-auxiliary channel of docs/reference-arithmetic.md §1.3, from a normalised CHW tensor (at least 3 planes
 * of `width × height`; the first three are R, G, B): undo the ImageNet normalisation, luma, 4-neighbour
 * Laplacian with zero padding, absolute value, then `(m - mean) / max(std, 1e-6)` with the unbiased
 * std. Element-wise steps round to float32 like PyTorch; mean and std accumulate in float64.
 */
export function freqAuxChannel(normalizedChw: Float32Array, width: number, height: number): Float32Array {
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new OptionError(`freqAuxChannel width and height must be positive integers, got ${width}×${height}`);
  }
  const plane = width * height;
  if (normalizedChw.length < plane * 3) {
    throw new OptionError(
      `freqAuxChannel needs 3 planes of ${width}×${height} (${plane * 3} values), got ${normalizedChw.length}`,
    );
  }
  const stdR = f32(IMAGENET_STD[0]);
  const stdG = f32(IMAGENET_STD[1]);
  const stdB = f32(IMAGENET_STD[2]);
  const meanR = f32(IMAGENET_MEAN[0]);
  const meanG = f32(IMAGENET_MEAN[1]);
  const meanB = f32(IMAGENET_MEAN[2]);
  const lumaR = f32(FREQ_AUX_LUMA[0]);
  const lumaG = f32(FREQ_AUX_LUMA[1]);
  const lumaB = f32(FREQ_AUX_LUMA[2]);

  const luma = new Float32Array(plane);
  for (let i = 0; i < plane; i++) {
    const r = f32(f32(normalizedChw[i] * stdR) + meanR);
    const g = f32(f32(normalizedChw[plane + i] * stdG) + meanG);
    const b = f32(f32(normalizedChw[2 * plane + i] * stdB) + meanB);
    luma[i] = f32(f32(f32(r * lumaR) + f32(g * lumaG)) + f32(b * lumaB));
  }
  const aux = new Float32Array(plane);
  standardizedLaplacian(luma, width, height, aux);
  return aux;
}

/**
 * Per 8-bit value of each channel, that channel's luma term `f32(f32(f32(n * std) + mean) * luma)` where `n` is the
 * normalised value: what {@link freqAuxChannel} computes per pixel, tabulated, so the preprocessing kernels get the
 * luma from RGB bytes as `f32(f32(termR + termG) + termB)` with the same bits.
 */
export function lumaTermTable(channel: 0 | 1 | 2): Float32Array {
  const normalised = normalisationTable(channel);
  const std = f32(IMAGENET_STD[channel]);
  const mean = f32(IMAGENET_MEAN[channel]);
  const weight = f32(FREQ_AUX_LUMA[channel]);
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = f32(f32(f32(normalised[v] * std) + mean) * weight);
  return table;
}

/**
 * The FreqAux steps after the luma: |4-neighbour Laplacian| with zero padding, then `(m - mean) / max(std, 1e-6)`
 * with the unbiased std, written to `out` (`width * height` values; `out` is also the scratch for the magnitudes).
 */
export function standardizedLaplacian(luma: Float32Array, width: number, height: number, out: Float32Array): void {
  const plane = width * height;
  // |Laplacian| with zero padding; the result is rounded to float32 when stored.
  const magnitude = out;
  let sum = 0;
  const border = (x: number, y: number): number => {
    const i = y * width + x;
    let lap = -4 * luma[i];
    if (x > 0) lap += luma[i - 1];
    if (x < width - 1) lap += luma[i + 1];
    if (y > 0) lap += luma[i - width];
    if (y < height - 1) lap += luma[i + width];
    const m = f32(Math.abs(lap));
    magnitude[i] = m;
    return m;
  };
  for (let y = 0; y < height; y++) {
    if (y === 0 || y === height - 1 || width < 3) {
      for (let x = 0; x < width; x++) sum += border(x, y);
      continue;
    }
    // Interior of the row without the padding tests; same sum order as the border case.
    sum += border(0, y);
    for (let i = y * width + 1, end = y * width + width - 1; i < end; i++) {
      const m = f32(Math.abs(-4 * luma[i] + luma[i - 1] + luma[i + 1] + luma[i - width] + luma[i + width]));
      magnitude[i] = m;
      sum += m;
    }
    sum += border(width - 1, y);
  }
  const mean = sum / plane;
  let squares = 0;
  for (let i = 0; i < plane; i++) {
    const d = magnitude[i] - mean;
    squares += d * d;
  }
  const [mu, sigma] = standardization(mean, squares, plane);
  for (let i = 0; i < plane; i++) out[i] = f32(f32(magnitude[i] - mu) / sigma);
}

/**
 * `[mean, max(std, 1e-6)]` as float32 from the f64 mean and sum of squared deviations of `count` magnitudes
 * (shared by the JS and WebAssembly paths).
 */
export function standardization(mean: number, squares: number, count: number): [mu: number, sigma: number] {
  // torch.std(unbiased=True) of one value is NaN; clamp(NaN) stays NaN. A 1×1 tensor never reaches
  // the model (scales are ≥ 1 but the reference would produce NaN too), so use 0 there instead.
  const std = count > 1 ? Math.sqrt(squares / (count - 1)) : 0;
  return [f32(mean), f32(Math.max(f32(std), FREQ_AUX_MIN_STD))];
}
