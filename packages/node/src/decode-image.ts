import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { assertPixelLimit, checkMaxPixels, ImageInputError, OptionError, type PixelImage } from '@blurgate/core';
import sharp, { type Metadata } from 'sharp';
import { type ImageFormat, sniffImageFormat } from './image-format.js';

/** Default decompression-bomb guard: 100 megapixels. */
export const DEFAULT_MAX_PIXELS = 100_000_000;
/** Default largest file read: 256 MiB (checked with fstat before any byte is read). */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;
/** Default time budget of one decode, in seconds (libvips stops the pipeline when it runs out). */
export const DEFAULT_DECODE_TIMEOUT_SECONDS = 30;
/** Largest raster an SVG may declare when vector input is enabled: 16 megapixels. */
export const DEFAULT_MAX_VECTOR_PIXELS = 16_000_000;

export interface DecodeImageOptions {
  /** Refuse images with more pixels than this (width × height of the first frame). Default 100 MP. */
  readonly maxPixels?: number;
  /** Refuse files (or buffers) larger than this many bytes, before reading them. Default 256 MiB. */
  readonly maxFileBytes?: number;
  /** Give up on one image after this many seconds of decoding (`DECODE_TIMEOUT`). Default 30. */
  readonly timeoutSeconds?: number;
  /**
   * Decode SVG (rasterised at its declared size, at most `maxVectorPixels`). Off by default: an SVG
   * is a program for a renderer (filters, external references), not a photo. PDF and PostScript are
   * always refused.
   */
  readonly allowVector?: boolean;
  /** With `allowVector`: the largest raster an SVG may declare. Default 16 MP. */
  readonly maxVectorPixels?: number;
  /**
   * Opt-in faster decode of large JPEGs (the gate's `fastDecode`), set to the largest model scale S: a JPEG whose
   * shorter side is at least 4.5 S is decoded with libjpeg's shrink-on-load (DCT scaling by 2, 4 or 8, picked by
   * sharp) and resized (linear filter, aspect kept) to a shorter side of 1.5 S, so core's Pillow resize to S still
   * averages over more than one pixel. Much faster for phone photos, but the pixels depart from Pillow's full
   * decode (labels agree on most photos; the bench prints the agreement). Default: off, full-size decode.
   */
  readonly shrinkOnLoadTo?: number;
}

/**
 * The size a `width × height` JPEG is decoded at under `shrinkOnLoadTo: scale`: shorter side 1.5 × scale, aspect
 * kept, or null (decode at full size) when the shorter side is under 4.5 × scale. Below that sharp would not use
 * shrink-on-load (it needs a reduction of 3 or more before it shrinks by 2: libjpeg rounding) and only a slower
 * resample would be added.
 */
export function fastDecodeSize(width: number, height: number, scale: number): { width: number; height: number } | null {
  const shorter = Math.min(width, height);
  const target = Math.ceil(1.5 * scale);
  if (shorter < 3 * target) return null;
  const factor = target / shorter;
  return { width: Math.max(target, Math.round(width * factor)), height: Math.max(target, Math.round(height * factor)) };
}

/**
 * A file named by raw bytes: for names that are not valid UTF-8, which a string cannot carry
 * (Node would replace the bad bytes and then not find the file). `name` is how reports show it.
 */
export interface ImageFile {
  readonly path: Buffer;
  readonly name: string;
}

/** A path, a file named by bytes ({@link ImageFile}), or the bytes of an encoded image. */
export type ImageSource = string | Uint8Array | ImageFile;

function isImageFile(input: ImageSource): input is ImageFile {
  return typeof input === 'object' && !(input instanceof Uint8Array);
}

/** How messages name an input: the path, an ImageFile's display name, or the buffer's size. */
export function describeImageSource(input: ImageSource): string {
  if (typeof input === 'string') return input;
  if (isImageFile(input)) return input.name;
  return `<${input.byteLength}-byte buffer>`;
}

function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(bytes >= 10 * 1024 * 1024 ? 0 : 1)} MiB`;
  return `${bytes} bytes`;
}

function tooBig(where: string, size: number, max: number): ImageInputError {
  return new ImageInputError(
    'IMAGE_TOO_LARGE',
    `${where}: the file is ${sizeText(size)}, over the limit of ${sizeText(max)}; raise maxFileBytes (--max-file-size) if you trust this file`,
  );
}

function readFailure(where: string, cause: unknown): ImageInputError {
  const code = String((cause as NodeJS.ErrnoException)?.code ?? '');
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ImageInputError('INPUT_NOT_FOUND', `${where}: no such file`, { cause });
  }
  if (code === 'EISDIR')
    return new ImageInputError('INVALID_IMAGE', `${where}: is a directory, not an image file`, { cause });
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code || oneLine(String((cause as Error)?.message ?? cause));
  return new ImageInputError('READ_FAILED', `${where}: cannot be read (${why})`, { cause });
}

/**
 * Reads a file whole but bounded: the size is checked on the open handle (fstat) before any byte is
 * read, and no more than that size is read even if the file grows meanwhile.
 */
async function readBounded(path: string | Buffer, where: string, maxFileBytes: number): Promise<Uint8Array> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: a FIFO named like an image must not block the batch (it is refused below).
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw readFailure(where, cause);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new ImageInputError('INVALID_IMAGE', `${where}: is a directory, not an image file`);
    if (!info.isFile()) throw new ImageInputError('READ_FAILED', `${where}: is not a regular file`);
    if (info.size > maxFileBytes) throw tooBig(where, info.size, maxFileBytes);
    if (info.size === 0) throw new ImageInputError('DECODE_FAILED', `${where}: the file is empty (0 bytes)`);
    const bytes = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, Math.min(bytes.length - filled, 1 << 24), filled);
      if (bytesRead === 0) break; // the file shrank while we read it: decode what is there
      filled += bytesRead;
    }
    if (filled === 0) throw new ImageInputError('DECODE_FAILED', `${where}: the file is empty (0 bytes)`);
    return bytes.subarray(0, filled);
  } catch (cause) {
    if (cause instanceof ImageInputError) throw cause;
    throw readFailure(where, cause);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Newlines and runs of spaces → one space: every message fits on one output line. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A decode failure, worded from what we know of this file only. libvips keeps one error buffer for
 * the whole process, so when several images fail at once an error's text can be another file's (a
 * WebP failure carrying libpng's words), or empty; it is kept in `cause`, never in the message.
 */
function decodeFailure(where: string, cause: unknown, format: ImageFormat, stage: 'header' | 'data'): ImageInputError {
  const what =
    stage === 'header'
      ? `the ${format.toUpperCase()} header cannot be read`
      : `the ${format.toUpperCase()} data is truncated or corrupt`;
  return new ImageInputError('DECODE_FAILED', `${where}: ${what}`, { cause });
}

function timedOut(where: string, format: ImageFormat, cause?: unknown): ImageInputError {
  return new ImageInputError(
    'DECODE_TIMEOUT',
    `${where}: decoding this ${format.toUpperCase()} ran out of its time budget; raise timeoutSeconds (--decode-timeout) if you trust this file`,
    { cause },
  );
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0))
    throw new OptionError(`${name} must be a positive number, got ${String(value)}`);
  return value;
}

/**
 * Decodes a JPEG, PNG, WebP, AVIF, TIFF or GIF (first frame) with sharp into an 8-bit
 * {@link PixelImage}. The format is read from the file's first bytes, never from its name; SVG is
 * refused unless `allowVector`, PDF and PostScript always. The file size is checked before reading,
 * the pixel count before decoding, and the decode has a time budget. EXIF orientation is applied
 * (the one intended difference from Pillow); 16-bit images keep their high byte, CMYK is converted
 * to sRGB, grey is expanded to RGB, alpha is kept (core drops it the way Pillow's `convert("RGB")`
 * does), and embedded ICC profiles are ignored as Pillow ignores them. For 8-bit PNGs the pixels
 * equal Pillow's `convert("RGB")`.
 *
 * @param input a path, an {@link ImageFile} (a name as bytes) or encoded bytes
 * @param options limits; every one has a safe default
 * @returns the decoded pixels
 * @throws {ImageInputError} `INPUT_NOT_FOUND`, `READ_FAILED`, `UNSUPPORTED_FORMAT`, `IMAGE_TOO_LARGE`,
 *   `DECODE_TIMEOUT`, `DECODE_FAILED` or `INVALID_IMAGE`; every message is one line naming the input
 * @example
 * const image = await decodeImage('photo.jpg', { maxFileBytes: 64 * 1024 * 1024 });
 */
export async function decodeImage(input: ImageSource, options: DecodeImageOptions = {}): Promise<PixelImage> {
  const maxPixels = checkMaxPixels(options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const maxFileBytes = positive('maxFileBytes', options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  const timeoutSeconds = Math.max(
    1,
    Math.ceil(positive('timeoutSeconds', options.timeoutSeconds ?? DEFAULT_DECODE_TIMEOUT_SECONDS)),
  );
  const where = describeImageSource(input);

  let bytes: Uint8Array;
  if (typeof input === 'string' || isImageFile(input)) {
    bytes = await readBounded(typeof input === 'string' ? input : input.path, where, maxFileBytes);
  } else {
    bytes = input;
    if (bytes.byteLength === 0) throw new ImageInputError('DECODE_FAILED', `${where}: the input is empty (0 bytes)`);
    if (bytes.byteLength > maxFileBytes) throw tooBig(where, bytes.byteLength, maxFileBytes);
  }

  const sniffed = sniffImageFormat(bytes);
  if (sniffed.kind === 'unknown') {
    throw new ImageInputError(
      'DECODE_FAILED',
      `${where}: not a supported image (JPEG, PNG, WebP, AVIF, TIFF or GIF); the content does not match any image format`,
    );
  }
  if (sniffed.kind === 'refused') {
    throw new ImageInputError(
      'UNSUPPORTED_FORMAT',
      `${where}: ${sniffed.what} is not an accepted input (JPEG, PNG, WebP, AVIF, TIFF or GIF)`,
    );
  }
  const format = sniffed.format;
  const vector = format === 'svg';
  if (vector && !options.allowVector) {
    throw new ImageInputError(
      'UNSUPPORTED_FORMAT',
      `${where}: SVG (a vector drawing) is refused by default; pass allowVector (--allow-svg) to rasterise it at its declared size`,
    );
  }
  const pixelLimit = vector ? Math.min(maxPixels, options.maxVectorPixels ?? DEFAULT_MAX_VECTOR_PIXELS) : maxPixels;

  let metadata: Metadata;
  try {
    // Header only: the size check below is ours, with a clearer message than libvips'.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw decodeFailure(where, cause, format, 'header');
  }
  // The header must agree with the first bytes (libvips picks its loader from the content too).
  const loaded =
    ({ jpg: 'jpeg', tif: 'tiff', avif: 'heif' } as Record<string, string>)[String(metadata.format)] ??
    String(metadata.format);
  if (loaded !== format) {
    throw new ImageInputError(
      'UNSUPPORTED_FORMAT',
      `${where}: the content is read as ${String(metadata.format)}, which is not an accepted input`,
    );
  }
  const { width, height } = metadata;
  if (!width || !height) {
    throw new ImageInputError('DECODE_FAILED', `${where}: the image header has no size`);
  }
  // metadata() reads the header only, so this refuses a bomb before any pixel is decoded.
  // For animations sharp reports the frame height as pageHeight.
  const frameHeight = metadata.pageHeight ?? height;
  if (vector && width * frameHeight > pixelLimit) {
    throw new ImageInputError(
      'IMAGE_TOO_LARGE',
      `${where}: the SVG declares ${width}×${frameHeight} pixels, over the SVG limit of ${pixelLimit} pixels; raise maxVectorPixels if you trust this file`,
    );
  }
  assertPixelLimit(width, frameHeight, maxPixels, where);

  let started = Date.now();
  try {
    // ignoreIcc: Pillow does not colour-manage, so neither do we (CMYK aside, which needs a profile).
    let pipeline = sharp(bytes, {
      autoOrient: true,
      limitInputPixels: pixelLimit,
      pages: 1,
      failOn: 'error',
      ignoreIcc: metadata.space !== 'cmyk',
    }).timeout({ seconds: timeoutSeconds });
    // CMYK needs a colour conversion, and 16-bit needs a cast that keeps the high byte; everything
    // else stays as stored so 8-bit pixels are bit-identical to Pillow's.
    if (metadata.space === 'cmyk' || metadata.depth === 'ushort') {
      pipeline = pipeline.toColourspace(metadata.channels !== undefined && metadata.channels <= 2 ? 'b-w' : 'srgb');
    }
    // EXIF orientations 5-8 swap the sides; resize sizes are those after autoOrient.
    const swapped = (metadata.orientation ?? 1) >= 5;
    const reduced =
      format === 'jpeg' && options.shrinkOnLoadTo
        ? fastDecodeSize(swapped ? height : width, swapped ? width : height, options.shrinkOnLoadTo)
        : null;
    if (reduced) {
      // sharp reloads the JPEG with libjpeg's shrink-on-load for most of this reduction, then resamples the rest.
      pipeline = pipeline.resize(reduced.width, reduced.height, {
        fit: 'fill',
        kernel: 'linear',
        fastShrinkOnLoad: true,
      });
    }
    started = Date.now();
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    const channels = info.channels;
    if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
      throw new ImageInputError('DECODE_FAILED', `${where}: decoded to ${channels} channels; expected 1 to 4`);
    }
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels,
    };
  } catch (cause) {
    if (cause instanceof ImageInputError) throw cause;
    if (/pixel limit/i.test(String((cause as Error)?.message))) {
      throw new ImageInputError(
        'IMAGE_TOO_LARGE',
        `${where}: the image is over the limit of ${pixelLimit} pixels; raise maxPixels (--max-pixels) if you trust this file`,
        { cause },
      );
    }
    // The text alone could be another decode's (see decodeFailure): a timeout is also a matter of time spent.
    if (/timeout/i.test(String((cause as Error)?.message)) && Date.now() - started >= timeoutSeconds * 900) {
      throw timedOut(where, format, cause);
    }
    throw decodeFailure(where, cause, format, 'data');
  }
}
