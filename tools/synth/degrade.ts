/**
 * The two classes of the dataset, made from one clean tile:
 * - blurred: one of camera-shake (random trajectory), linear motion, defocus (disk) or Gaussian blur, with a
 *   log-uniform strength from barely visible to heavy;
 * - sharp: changes that are not blur (brightness/contrast, mild noise, JPEG re-compression).
 * Both classes get the same kinds of photometric change, so only blur separates them.
 */
import { convolveImage } from './convolve.js';
import {
  type BlurKernel,
  diskKernel,
  gaussianKernel,
  kernelSpread,
  linearMotionKernel,
  trajectoryKernel,
} from './kernels.js';
import type { Rng } from './rng.js';

export type BlurKind = 'trajectory' | 'linear' | 'defocus' | 'gaussian';

/**
 * Strength ranges in pixels of the output tile or view, whatever its size (times `--blur-scale`). The lower
 * ends are visibly blurred at the size the gate looks at (blurgate-synth 1.0.0 used 4 / 4 / 1.5 / 1; 2.0.0
 * 8 / 5 / 2 / 1.5).
 *
 * Camera shake is measured by its RMS spread (`kernelSpread`), not its path length (blurgate-synth 2.1.0):
 * Boracchi-Foi paths curl, and a 14 px path had a median spread of ~1.1 px, so many "blurred" pairs of the
 * 2.0.0 data and held-out sets were barely blurred at all (the opencv chessboards called sharp were such
 * pairs). 1.5-8 px of spread matches the other kinds' visible floors (linear 5 px: 1.44, disk 2 px: 1.41,
 * Gaussian 1.5: 2.12) and their heavy ends.
 */
export const BLUR_RANGES: Readonly<
  Record<BlurKind, { readonly lo: number; readonly hi: number; readonly unit: string }>
> = {
  trajectory: { lo: 1.5, hi: 8, unit: 'RMS spread px' },
  linear: { lo: 5, hi: 36, unit: 'length px' },
  defocus: { lo: 2, hi: 10, unit: 'disk radius px' },
  gaussian: { lo: 1.5, hi: 6, unit: 'sigma px' },
};

/** Relative frequency of each blur kind (camera shake is the main use case). */
const KIND_WEIGHTS: readonly [BlurKind, number][] = [
  ['trajectory', 0.4],
  ['linear', 0.2],
  ['defocus', 0.2],
  ['gaussian', 0.2],
];

export interface BlurChoice {
  readonly kind: BlurKind;
  readonly strength: number;
  readonly kernel: BlurKernel;
}

/** Draws a blur kind and a strength (pixels, times `scale`). */
export function drawBlur(rng: Rng, scale = 1): BlurChoice {
  const { kind, strength } = drawBlurStrength(rng, scale);
  return { kind, strength, kernel: blurKernel(kind, strength, rng) };
}

/** Draws a blur kind and a strength (pixels, times `scale`) without building the kernel. */
export function drawBlurStrength(rng: Rng, scale = 1): { kind: BlurKind; strength: number } {
  let u = rng.next();
  let kind: BlurKind = 'trajectory';
  for (const [k, w] of KIND_WEIGHTS) {
    kind = k;
    if (u < w) break;
    u -= w;
  }
  const range = BLUR_RANGES[kind];
  return { kind, strength: rng.logUniform(range.lo, range.hi) * scale };
}

/** The PSF of `kind` at `strength` pixels (camera-shake paths and motion angles drawn from `rng`). */
export function blurKernel(kind: BlurKind, strength: number, rng: Rng): BlurKernel {
  return kind === 'trajectory'
    ? trajectoryWithSpread(rng, strength)
    : kind === 'linear'
      ? linearMotionKernel(strength, rng.uniform(0, Math.PI))
      : kind === 'defocus'
        ? diskKernel(strength)
        : gaussianKernel(strength);
}

/** Longest camera-shake path drawn (pixels): bounds the kernel's size and the convolution's cost. */
const MAX_TRAJECTORY_LENGTH = 160;

/**
 * A camera-shake PSF whose RMS spread is `spread` pixels (within 20%, or the closest of a few draws): the
 * path length is re-aimed from each draw's spread-to-length ratio, since how much a path curls is random.
 */
export function trajectoryWithSpread(rng: Rng, spread: number): BlurKernel {
  let length = Math.min(MAX_TRAJECTORY_LENGTH, spread / 0.08);
  let best: { kernel: BlurKernel; error: number } | undefined;
  for (let attempt = 0; attempt < 8; attempt++) {
    const kernel = trajectoryKernel(rng, { length });
    const got = kernelSpread(kernel);
    const error = Math.abs(Math.log(got / spread));
    if (best === undefined || error < best.error) best = { kernel, error };
    if (error < Math.log(1.2)) break;
    length = Math.min(MAX_TRAJECTORY_LENGTH, Math.max(2, length * (spread / Math.max(got, 1e-3))));
  }
  if (best === undefined) throw new Error('unreachable: at least one trajectory is drawn');
  return best.kernel;
}

export interface Photometric {
  readonly brightness: number;
  readonly contrast: number;
  readonly noiseSigma: number;
  readonly jpegQuality: number;
}

/**
 * Draws the non-blur changes, the same for both classes: brightness/contrast always, mild noise half the
 * time, JPEG at quality 40-95 for 70% of the images (else 95): compression artefacts must not mean "sharp"
 * and the loss of fine detail to compression must not mean "blurred".
 */
export function drawPhotometric(rng: Rng): Photometric {
  return {
    brightness: rng.uniform(-15, 15),
    contrast: rng.uniform(0.85, 1.15),
    noiseSigma: rng.next() < 0.5 ? rng.uniform(0.5, 3) : 0,
    jpegQuality: rng.next() < 0.7 ? rng.int(40, 95) : 95,
  };
}

/** Applies brightness/contrast and Gaussian noise, rounding to 8 bits (JPEG is applied by the encoder). */
export function applyPhotometric(pixels: Uint8Array | Float32Array, p: Photometric, rng: Rng): Uint8Array {
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    let v = ((pixels[i] ?? 0) - 128) * p.contrast + 128 + p.brightness;
    if (p.noiseSigma > 0) v += p.noiseSigma * rng.normal();
    out[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
  }
  return out;
}

/** Blurs an interleaved RGB tile with a drawn kernel. */
export function blurTile(pixels: Uint8Array, width: number, height: number, kernel: BlurKernel): Float32Array {
  return convolveImage(pixels, width, height, 3, kernel);
}
