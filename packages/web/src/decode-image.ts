import { BlurgateError, ImageInputError, type PixelImage } from '@blurgate/core';
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
  readonly signal?: AbortSignal;
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
 */
export async function decodeImage(input: WebImageInput, options: DecodeImageOptions = {}): Promise<PixelImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const signal = options.signal;
  throwIfAborted(signal);
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) {
    checkPixels(input.width, input.height, maxPixels, 'The ImageData');
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
      throw new ImageInputError('DECODE_FAILED', `The <img> (${input.currentSrc || input.src}) did not load or decode.`, { cause: error });
    }
    checkPixels(input.naturalWidth, input.naturalHeight, maxPixels, 'The <img>');
    return decodeSource(input, signal, 'the <img>');
  }
  if (isCanvasLike(input)) {
    checkPixels(input.width, input.height, maxPixels, 'The canvas');
    return decodeSource(input, signal, 'the canvas');
  }
  if (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) {
    checkPixels(input.width, input.height, maxPixels, 'The ImageBitmap');
    return drawToPixels(input, input.width, input.height);
  }
  throw new ImageInputError(
    'INVALID_IMAGE',
    'Unsupported input: pass a File, Blob, ImageBitmap, HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageData or a URL.',
  );
}

async function decodeBlob(blob: Blob, maxPixels: number, signal: AbortSignal | undefined, name: string): Promise<PixelImage> {
  if (blob.size === 0) throw new ImageInputError('DECODE_FAILED', `${capitalise(name)} is empty (0 bytes).`);
  const head = new Uint8Array(await blob.slice(0, HEADER_PROBE_BYTES).arrayBuffer());
  const dims = readImageDimensions(head);
  if (dims) checkPixels(dims.width, dims.height, maxPixels, capitalise(name));
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
    checkPixels(bitmap.width, bitmap.height, maxPixels, capitalise(name));
    throwIfAborted(signal);
    return drawToPixels(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

async function decodeSource(source: ImageBitmapSource, signal: AbortSignal | undefined, name: string): Promise<PixelImage> {
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
  if (width === 0 || height === 0) throw new ImageInputError('INVALID_IMAGE', 'The image has no pixels (0 width or height).');
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
  if (!context) throw new ImageInputError('DECODE_FAILED', `The browser could not create a ${width}×${height} canvas to read the pixels.`);
  context.drawImage(bitmap, 0, 0);
  const imageData = context.getImageData(0, 0, width, height);
  return { data: new Uint8Array(imageData.data.buffer), width, height, channels: 4 };
}

async function fetchImage(url: string | URL, signal: AbortSignal | undefined): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (error) {
    throwIfAborted(signal);
    throw new ImageInputError('INPUT_NOT_FOUND', `Could not fetch the image at ${String(url)}: ${errorText(error)}`, { cause: error });
  }
  if (!response.ok) {
    throw new ImageInputError('INPUT_NOT_FOUND', `Could not fetch the image at ${String(url)}: HTTP ${response.status}.`);
  }
  return response.blob();
}

function checkPixels(width: number, height: number, maxPixels: number, what: string): void {
  if (width * height > maxPixels) {
    throw new ImageInputError(
      'IMAGE_TOO_LARGE',
      `${what} is ${width}×${height} (${(width * height / 1e6).toFixed(1)} MP), above the limit of ${(maxPixels / 1e6).toFixed(1)} MP; scale it down or raise maxPixels.`,
    );
  }
}

function isCanvasLike(input: unknown): input is HTMLCanvasElement | OffscreenCanvas {
  return (
    (typeof HTMLCanvasElement !== 'undefined' && input instanceof HTMLCanvasElement) ||
    (typeof OffscreenCanvas !== 'undefined' && input instanceof OffscreenCanvas)
  );
}

/** Throws blurgate's ABORTED error when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}

/** The error every aborted operation rejects with. */
export function abortedError(signal: AbortSignal): BlurgateError {
  return new BlurgateError('ABORTED', 'The operation was aborted.', { cause: signal.reason });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
