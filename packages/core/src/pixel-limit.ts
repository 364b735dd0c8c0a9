import { ImageInputError, OptionError } from './errors.js';

function megapixels(pixels: number): string {
  const digits = pixels < 1e6 ? 2 : pixels < 1e7 ? 1 : 0;
  return `${(pixels / 1e6).toFixed(digits)} MP`;
}

/**
 * Checks a pixel limit given by a caller: a positive safe integer, else `OptionError`
 * (`INVALID_OPTION`). Returns it.
 *
 * @param maxPixels - The limit, in pixels (width × height).
 * @param name - The option's name for the message, e.g. `maxPixels` or `--max-pixels`.
 * @throws {@link OptionError} when it is not a positive safe integer.
 */
export function checkMaxPixels(maxPixels: unknown, name = 'maxPixels'): number {
  if (typeof maxPixels !== 'number' || !Number.isSafeInteger(maxPixels) || maxPixels <= 0) {
    throw new OptionError(
      `${name} must be a positive whole number of pixels up to ${Number.MAX_SAFE_INTEGER}, e.g. 100000000 for 100 MP; got ${String(maxPixels)}`,
    );
  }
  return maxPixels;
}

/**
 * The decompression-bomb guard, the one check every decoder runs (from the header where it can,
 * before any pixel is decoded): throws `ImageInputError('IMAGE_TOO_LARGE')` when
 * `width × height > maxPixels`.
 *
 * @param width - Image width in pixels (of the first frame).
 * @param height - Image height in pixels (of the first frame).
 * @param maxPixels - The limit; checked with {@link checkMaxPixels}.
 * @param where - What the image is, for the message: a path, a file name, `the blob`.
 * @throws {@link ImageInputError} `IMAGE_TOO_LARGE` over the limit; {@link OptionError} for a bad limit.
 * @example
 * ```ts
 * assertPixelLimit(40_000, 40_000, 100_000_000, 'bomb.png'); // throws IMAGE_TOO_LARGE
 * ```
 */
export function assertPixelLimit(width: number, height: number, maxPixels: number, where = 'the image'): void {
  const limit = checkMaxPixels(maxPixels);
  const pixels = width * height;
  if (pixels > limit) {
    throw new ImageInputError(
      'IMAGE_TOO_LARGE',
      `${where}: the image is ${width}×${height} (${megapixels(pixels)}), over the limit of ${megapixels(limit)}; scale it down, or raise maxPixels (--max-pixels) if you trust this file`,
    );
  }
}
