import { OptionError } from './errors.js';
import { assertPixelImage } from './image-validation.js';
import type { PixelImage } from './pixel-image.js';

/**
 * A common starting threshold for {@link classifyByLaplacianVariance} (the "variance of the Laplacian"
 * blog recipe). It depends on image size and content: calibrate it on your own data.
 */
export const DEFAULT_LAPLACIAN_VARIANCE_THRESHOLD = 100;

/**
 * OpenCV's `cvtColor(…, COLOR_RGB2GRAY)` for 8-bit input: 15-bit fixed point weights 9798, 19235, 3735
 * (0.299, 0.587, 0.114) with rounding; matches cv2 4.6 on all 2^24 colours. Grey input is used as is,
 * grey+alpha uses the grey, RGBA ignores alpha.
 */
export function opencvGray(image: PixelImage): Uint8Array {
  const { data, width, height, channels } = assertPixelImage(image);
  const pixels = width * height;
  if (channels === 1) return data;
  const gray = new Uint8Array(pixels);
  if (channels === 2) {
    for (let i = 0; i < pixels; i++) gray[i] = data[i * 2];
    return gray;
  }
  for (let i = 0, s = 0; i < pixels; i++, s += channels) {
    gray[i] = (data[s] * 9798 + data[s + 1] * 19235 + data[s + 2] * 3735 + 16384) >> 15;
  }
  return gray;
}

/** OpenCV's BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba) for one step outside [0, size). */
function reflect101(index: number, size: number): number {
  if (size === 1) return 0;
  if (index < 0) return 1;
  if (index >= size) return size - 2;
  return index;
}

/**
 * The classic model-free sharpness score: `cv2.Laplacian(gray, cv2.CV_64F).var()`. That is OpenCV's
 * grey conversion ({@link opencvGray}), the default `ksize=1` Laplacian (kernel [[0,1,0],[1,-4,1],[0,1,0]])
 * with the default border BORDER_REFLECT_101, then the population variance (NumPy's `var()`, ddof 0).
 * Low values mean few edges: blurred (or flat) images.
 */
export function laplacianVariance(image: PixelImage): number {
  const gray = opencvGray(image);
  const { width, height } = image;
  const pixels = width * height;
  // |Laplacian| of 8-bit grey is at most 4 * 255: Int16 holds it exactly.
  const lap = new Int16Array(pixels);
  let sum = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const up = reflect101(y - 1, height) * width;
    const down = reflect101(y + 1, height) * width;
    for (let x = 0; x < width; x++) {
      const left = reflect101(x - 1, width);
      const right = reflect101(x + 1, width);
      const v = gray[up + x] + gray[down + x] + gray[row + left] + gray[row + right] - 4 * gray[row + x];
      lap[row + x] = v;
      sum += v;
    }
  }
  const mean = sum / pixels;
  let squares = 0;
  for (let i = 0; i < pixels; i++) {
    const d = lap[i] - mean;
    squares += d * d;
  }
  return squares / pixels;
}

/** The baseline's verdict: no `uncertain`, just a threshold on the variance. */
export interface LaplacianVerdict {
  readonly label: 'sharp' | 'blurred';
  readonly variance: number;
}

/** Labels an image `blurred` when its Laplacian variance is below `threshold`, else `sharp`. */
export function classifyByLaplacianVariance(
  image: PixelImage,
  threshold: number = DEFAULT_LAPLACIAN_VARIANCE_THRESHOLD,
): LaplacianVerdict {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0) {
    throw new OptionError(`Laplacian variance threshold must be a finite number ≥ 0, got ${String(threshold)}`);
  }
  const variance = laplacianVariance(image);
  return { label: variance < threshold ? 'blurred' : 'sharp', variance };
}
