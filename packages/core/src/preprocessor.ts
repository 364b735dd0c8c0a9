import { OptionError } from './errors.js';
import { lumaTermTable, standardizedLaplacian } from './freq-aux.js';
import { assertPixelImage } from './image-validation.js';
import { ModelInputPool } from './model-input-pool.js';
import { normalisationTable } from './normalize-image.js';
import type { PixelImage } from './pixel-image.js';
import type { PreprocessKernels } from './preprocess-kernels.js';
import { type AxisCoefficients, axisCoefficients, resampleHorizontal, resampleVertical } from './resize-bilinear.js';
import { toRgb } from './to-rgb.js';
import { createWasmPreprocessor } from './wasm-preprocessor.js';

/** An image bound to a {@link Preprocessor}: conversions (and the upload to WebAssembly memory) happen once. */
export interface PreparedImage {
  /**
   * The model input at one TTA scale, `channels × size × size` float32 CHW, an array the caller owns (fresh, or
   * one given back through {@link Preprocessor.recycle}):
   * Pillow-exact bilinear squash, ImageNet normalisation and, for `channels === 4`, FreqAux (docs/reference-arithmetic.md §1.2-1.3).
   * @throws OptionError for a bad size or channel count.
   */
  modelInput(size: number, channels: 3 | 4): Float32Array;
  /**
   * The image resized to `width × height` RGB with Pillow's bilinear filter, as `resizeBilinear(toRgb(image))`
   * gives it (a fresh copy).
   * @throws OptionError for a bad size.
   */
  resized(width: number, height: number): PixelImage;
}

/** Turns decoded pixels into model inputs; keeps filter coefficients and scratch buffers between calls. */
export interface Preprocessor {
  /** `wasm-simd` when WebAssembly kernels were given, else `js`. */
  readonly backend: 'wasm-simd' | 'js';
  /**
   * Binds an image (1-4 channels; grey is expanded and alpha dropped like Pillow's convert("RGB")).
   * @throws ImageInputError('INVALID_IMAGE') for malformed pixels.
   */
  prepare(image: PixelImage): PreparedImage;
  /**
   * Hands back a model input from {@link PreparedImage.modelInput} that its owner is done with (inference has
   * finished and nothing reads it any more): a later model input of the same size may be written into it instead of
   * a new array. Optional for callers and for other implementations; arrays the engine detached are ignored.
   */
  recycle?(input: Float32Array): void;
}

export interface PreprocessorOptions {
  /** WebAssembly SIMD kernels from `instantiatePreprocessKernels` (node/web: `loadPreprocessKernels()`); default: JS. */
  readonly wasm?: PreprocessKernels;
}

/**
 * Creates a preprocessor. Both backends give the same bytes after the resize and the same normalised planes;
 * FreqAux agrees to float rounding of its f64 sums (tested to 1e-6). One preprocessor serves one thread; calls
 * are synchronous, so interleaved async callers (several classifications in flight) are safe.
 *
 * @param options - `wasm`: instantiated kernels; without them the portable JS path runs.
 * @returns the preprocessor.
 * @example
 * const preprocessor = createPreprocessor({ wasm: await instantiatePreprocessKernels(bytes, WebAssembly) });
 * const input = preprocessor.prepare(image).modelInput(384, 4);
 */
export function createPreprocessor(options: PreprocessorOptions = {}): Preprocessor {
  // One pool for both backends: the WebAssembly one falls back to the JS one for some requests.
  const pool = new ModelInputPool();
  const js = createJsPreprocessor(pool);
  return options.wasm ? createWasmPreprocessor(options.wasm, js, pool) : js;
}

/** Checks a model-input request: a positive integer size and 3 or 4 channels. */
export function checkModelInput(size: number, channels: number): void {
  if (channels !== 3 && channels !== 4) {
    throw new OptionError(`model input channels must be 3 or 4, got ${String(channels)}`);
  }
  if (!Number.isInteger(size) || size <= 0) {
    throw new OptionError(`scale must be a positive integer, got ${String(size)}`);
  }
}

/** The image as 3 or 4 channels (RGBA stays: the passes read RGB from it, skipping alpha). */
export function rgbOrRgba(image: PixelImage): PixelImage {
  const valid = assertPixelImage(image);
  return valid.channels === 3 || valid.channels === 4 ? valid : toRgb(valid);
}

/** A small cache of axis coefficients per (input size, output size). */
export class CoefficientCache<T> {
  private readonly entries = new Map<number, T>();
  constructor(
    private readonly make: (inSize: number, outSize: number) => T,
    private readonly limit = 32,
  ) {}

  get(inSize: number, outSize: number): T {
    const key = inSize * 0x100000 + outSize;
    let value = this.entries.get(key);
    if (value === undefined) {
      if (this.entries.size >= this.limit) this.entries.clear();
      value = this.make(inSize, outSize);
      this.entries.set(key, value);
    }
    return value;
  }
}

/** Keeps one growable typed array; returns a view of the requested length. */
class Scratch<T extends Uint8Array | Float32Array> {
  private buffer: T | null = null;
  constructor(private readonly make: (length: number) => T) {}
  take(length: number): T {
    if (this.buffer === null || this.buffer.length < length) this.buffer = this.make(length);
    return this.buffer.subarray(0, length) as T;
  }
}

/**
 * Resized pixels of a 3- or 4-channel image at `outWidth × outHeight`: bytes in `data` with `stride` bytes per
 * pixel (3, or 4 when no horizontal pass dropped the alpha). Pillow's order: horizontal pass first, over the rows
 * the vertical pass reads only.
 */
function resizePixels(
  image: PixelImage,
  outWidth: number,
  outHeight: number,
  coefficients: CoefficientCache<AxisCoefficients>,
  temp: Scratch<Uint8Array>,
  resized: Scratch<Uint8Array>,
): { data: Uint8Array; stride: number } {
  const { data, width, height, channels } = image;
  const needHorizontal = width !== outWidth;
  const needVertical = height !== outHeight;
  if (!needHorizontal && !needVertical) return { data, stride: channels };
  const vertical = needVertical ? coefficients.get(height, outHeight) : null;
  if (!needHorizontal) {
    const out = resized.take(outWidth * outHeight * channels);
    return { data: resampleVertical(data, width, channels, outHeight, vertical!, 0, out), stride: channels };
  }
  const horizontal = coefficients.get(width, outWidth);
  if (!vertical) {
    const out = resized.take(outWidth * outHeight * 3);
    return { data: resampleHorizontal(data, width, channels, 0, height, outWidth, horizontal, out, true), stride: 3 };
  }
  const firstRow = vertical.starts[0];
  const rows = vertical.starts[outHeight - 1] + vertical.sizes[outHeight - 1] - firstRow;
  const between = resampleHorizontal(
    data,
    width,
    channels,
    firstRow,
    rows,
    outWidth,
    horizontal,
    temp.take(outWidth * rows * 3),
    true,
  );
  return {
    data: resampleVertical(between, outWidth, 3, outHeight, vertical, firstRow, resized.take(outWidth * outHeight * 3)),
    stride: 3,
  };
}

/** A fresh RGB image from `data` with `stride` bytes per pixel (3 or 4). */
export function rgbCopy(data: Uint8Array, stride: number, width: number, height: number): PixelImage {
  if (stride === 3) return { data: data.slice(0, width * height * 3), width, height, channels: 3 };
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, s = 0, o = 0; i < width * height; i++, s += stride, o += 3) {
    out[o] = data[s];
    out[o + 1] = data[s + 1];
    out[o + 2] = data[s + 2];
  }
  return { data: out, width, height, channels: 3 };
}

/** Checks a resize request: positive integer sizes. */
export function checkResize(width: number, height: number): void {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new OptionError(`resize ${name} must be a positive integer, got ${String(value)}`);
    }
  }
}

/** The portable path: plain typed-array JS, the reference the WebAssembly kernels are tested against. */
function createJsPreprocessor(pool: ModelInputPool): Preprocessor {
  const coefficients = new CoefficientCache(axisCoefficients);
  const temp = new Scratch((n) => new Uint8Array(n));
  const resized = new Scratch((n) => new Uint8Array(n));
  const luma = new Scratch((n) => new Float32Array(n));
  const [normR, normG, normB] = [normalisationTable(0), normalisationTable(1), normalisationTable(2)];
  const [termR, termG, termB] = [lumaTermTable(0), lumaTermTable(1), lumaTermTable(2)];
  const f32 = Math.fround;
  return {
    backend: 'js',
    recycle: (input: Float32Array): void => pool.give(input),
    prepare(image: PixelImage): PreparedImage {
      const source = rgbOrRgba(image);
      return {
        modelInput(size: number, channels: 3 | 4): Float32Array {
          checkModelInput(size, channels);
          const { data, stride } = resizePixels(source, size, size, coefficients, temp, resized);
          const plane = size * size;
          // Every element is written below (a recycled array still holds an older input).
          const out = pool.take(plane * channels);
          const g0 = plane;
          const b0 = 2 * plane;
          if (channels === 3) {
            for (let i = 0, s = 0; i < plane; i++, s += stride) {
              out[i] = normR[data[s]];
              out[g0 + i] = normG[data[s + 1]];
              out[b0 + i] = normB[data[s + 2]];
            }
            return out;
          }
          // One pass for the three normalised planes and the FreqAux luma (tabulated per channel value).
          const y = luma.take(plane);
          for (let i = 0, s = 0; i < plane; i++, s += stride) {
            const r = data[s];
            const g = data[s + 1];
            const b = data[s + 2];
            out[i] = normR[r];
            out[g0 + i] = normG[g];
            out[b0 + i] = normB[b];
            y[i] = f32(f32(termR[r] + termG[g]) + termB[b]);
          }
          standardizedLaplacian(y, size, size, out.subarray(3 * plane));
          return out;
        },
        resized(width: number, height: number): PixelImage {
          checkResize(width, height);
          const { data, stride } = resizePixels(source, width, height, coefficients, temp, resized);
          return rgbCopy(data, stride, width, height);
        },
      };
    },
  };
}
