import {
  type AbortSignalLike,
  assertPixelLimit,
  checkMaxPixels,
  ImageInputError,
  type PixelImage,
  throwIfAborted,
} from '@blurgate/core';
import { HEADER_PROBE_BYTES, readImageDimensions } from './image-header.js';

/** Image inputs the browser gate accepts. Strings and URLs are fetched. */
export type WebImageInput =
  | Blob
  | ImageBitmap
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas
  | ImageData
  | URL
  | string;

/** Default pixel limit: 50 megapixels (an RGBA copy of such an image is 200 MB). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export interface DecodeImageOptions {
  /** Refuse images with more pixels than this (IMAGE_TOO_LARGE). Default {@link DEFAULT_MAX_PIXELS}. */
  readonly maxPixels?: number;
  readonly signal?: AbortSignalLike;
}

// No colour-space conversion and no premultiplication: the decoder's own 8-bit values reach the canvas,
// so an opaque PNG gives exactly the pixels sharp/libspng give. EXIF orientation is applied (SPEC 1.1).
const BITMAP_OPTIONS: ImageBitmapOptions = {
  imageOrientation: 'from-image',
  colorSpaceConversion: 'none',
  premultiplyAlpha: 'none',
};

/**
 * Decodes a browser image input to an RGBA {@link PixelImage} (4 channels, sRGB, EXIF orientation applied).
 *
 * Canvas 2D stores pixels premultiplied by alpha, so where alpha < 255 the RGB read back can differ from the
 * file's (and is 0 where alpha is 0); opaque images are exact. Pillow's convert("RGB") keeps the file's RGB
 * under transparent pixels, so images with transparency may classify slightly differently than in Node.
 * The pixel limit is checked from the file header where the format has one (before any pixel is decoded).
 *
 * @param input - A File/Blob, URL (fetched), `<img>`, canvas, OffscreenCanvas, ImageBitmap or ImageData.
 * @param options - `maxPixels` (default {@link DEFAULT_MAX_PIXELS}) and an abort `signal`.
 * @returns An RGBA {@link PixelImage}.
 * @throws {@link ImageInputError} `DECODE_FAILED`, `IMAGE_TOO_LARGE`, `INPUT_NOT_FOUND` or `INVALID_IMAGE`;
 *   `BlurgateError('ABORTED')` on the signal; {@link OptionError} for a bad `maxPixels`.
 * @example
 * ```ts
 * const pixels = await decodeImage(fileInput.files[0], { maxPixels: 20_000_000 });
 * ```
 */
export async function decodeImage(input: WebImageInput, options: DecodeImageOptions = {}): Promise<PixelImage> {
  const maxPixels = checkMaxPixels(options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const signal = options.signal;
  throwIfAborted(signal);
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) {
    assertPixelLimit(input.width, input.height, maxPixels, 'the ImageData');
    return { data: new Uint8Array(input.data), width: input.width, height: input.height, channels: 4 };
  }
  if (typeof input === 'string' || input instanceof URL) {
    const blob = await fetchImage(input, signal);
    return decodeBlob(blob, maxPixels, signal, `the image at ${String(input)}`);
  }
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    const name = typeof File !== 'undefined' && input instanceof File ? `"${input.name}"` : 'the blob';
    return decodeBlob(input, maxPixels, signal, name);
  }
  if (typeof HTMLImageElement !== 'undefined' && input instanceof HTMLImageElement) {
    try {
      await input.decode();
    } catch (error) {
      throw new ImageInputError(
        'DECODE_FAILED',
        `The <img> (${input.currentSrc || input.src}) did not load or decode.`,
        { cause: error },
      );
    }
    assertPixelLimit(input.naturalWidth, input.naturalHeight, maxPixels, 'the <img>');
    return decodeSource(input, signal, 'the <img>');
  }
  if (isCanvasLike(input)) {
    assertPixelLimit(input.width, input.height, maxPixels, 'the canvas');
    return decodeSource(input, signal, 'the canvas');
  }
  if (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) {
    assertPixelLimit(input.width, input.height, maxPixels, 'the ImageBitmap');
    return drawToPixels(input, input.width, input.height);
  }
  throw new ImageInputError(
    'INVALID_IMAGE',
    'Unsupported input: pass a File, Blob, ImageBitmap, HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageData or a URL.',
  );
}

async function decodeBlob(
  blob: Blob,
  maxPixels: number,
  signal: AbortSignalLike | undefined,
  name: string,
): Promise<PixelImage> {
  if (blob.size === 0) throw new ImageInputError('DECODE_FAILED', `${capitalise(name)} is empty (0 bytes).`);
  const head = new Uint8Array(await blob.slice(0, HEADER_PROBE_BYTES).arrayBuffer());
  const dims = readImageDimensions(head);
  if (dims) assertPixelLimit(dims.width, dims.height, maxPixels, name);
  throwIfAborted(signal);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, BITMAP_OPTIONS);
  } catch (error) {
    const type = blob.type ? ` (type ${blob.type})` : '';
    throw new ImageInputError(
      'DECODE_FAILED',
      `Could not decode ${name}${type}: it is not an image this browser can read, or the file is damaged.`,
      { cause: error },
    );
  }
  try {
    // Formats without a readable header are checked after decoding, before the large canvas copy.
    assertPixelLimit(bitmap.width, bitmap.height, maxPixels, name);
    throwIfAborted(signal);
    return drawToPixels(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

async function decodeSource(
  source: ImageBitmapSource,
  signal: AbortSignalLike | undefined,
  name: string,
): Promise<PixelImage> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(source, BITMAP_OPTIONS);
  } catch (error) {
    throw new ImageInputError('DECODE_FAILED', `Could not read pixels from ${name}.`, { cause: error });
  }
  try {
    throwIfAborted(signal);
    return drawToPixels(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

function drawToPixels(bitmap: ImageBitmap, width: number, height: number): PixelImage {
  if (width === 0 || height === 0)
    throw new ImageInputError('INVALID_IMAGE', 'The image has no pixels (0 width or height).');
  const settings: CanvasRenderingContext2DSettings = { colorSpace: 'srgb', willReadFrequently: true };
  let context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (typeof OffscreenCanvas !== 'undefined') {
    context = new OffscreenCanvas(width, height).getContext('2d', settings);
  } else {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    context = canvas.getContext('2d', settings);
  }
  if (!context)
    throw new ImageInputError(
      'DECODE_FAILED',
      `The browser could not create a ${width}×${height} canvas to read the pixels.`,
    );
  context.drawImage(bitmap, 0, 0);
  const imageData = context.getImageData(0, 0, width, height);
  return { data: new Uint8Array(imageData.data.buffer), width, height, channels: 4 };
}

async function fetchImage(url: string | URL, signal: AbortSignalLike | undefined): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(url, signal instanceof AbortSignal ? { signal } : {});
  } catch (error) {
    throwIfAborted(signal);
    throw new ImageInputError('INPUT_NOT_FOUND', `Could not fetch the image at ${String(url)}: ${errorText(error)}`, {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new ImageInputError(
      'INPUT_NOT_FOUND',
      `Could not fetch the image at ${String(url)}: HTTP ${response.status}.`,
    );
  }
  return response.blob();
}

function isCanvasLike(input: unknown): input is HTMLCanvasElement | OffscreenCanvas {
  return (
    (typeof HTMLCanvasElement !== 'undefined' && input instanceof HTMLCanvasElement) ||
    (typeof OffscreenCanvas !== 'undefined' && input instanceof OffscreenCanvas)
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
