import { ImageInputError } from './errors.js';
import type { PixelImage } from './pixel-image.js';

function describeSize(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}

/**
 * Throws `ImageInputError('INVALID_IMAGE')` unless `image` is a well-formed {@link PixelImage}:
 * positive integer sizes, 1-4 channels and exactly `width * height * channels` bytes.
 * A `Uint8ClampedArray` (canvas `ImageData.data`) is accepted and viewed as a `Uint8Array`.
 */
export function assertPixelImage(image: PixelImage): PixelImage {
  if (image === null || typeof image !== 'object') {
    throw new ImageInputError('INVALID_IMAGE', 'expected an image object {data, width, height, channels}');
  }
  const { width, height, channels } = image;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new ImageInputError(
      'INVALID_IMAGE',
      `image size must be positive integers, got ${describeSize(width)}×${describeSize(height)}; the image is empty or was not decoded`,
    );
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new ImageInputError(
      'INVALID_IMAGE',
      `image must have 1 (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA) channels, got ${describeSize(channels)}`,
    );
  }
  let data: unknown = image.data;
  if (data instanceof Uint8ClampedArray) {
    data = new Uint8Array(data.buffer, data.byteOffset, data.length);
  }
  if (!(data instanceof Uint8Array)) {
    throw new ImageInputError('INVALID_IMAGE', 'image data must be a Uint8Array of 8-bit samples');
  }
  const expected = width * height * channels;
  if (data.length !== expected) {
    throw new ImageInputError(
      'INVALID_IMAGE',
      `image data has ${data.length} bytes but ${width}×${height}×${channels} needs ${expected}; check width, height and channels`,
    );
  }
  return data === image.data ? image : { data, width, height, channels };
}
