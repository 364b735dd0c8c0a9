import { readFile, stat } from 'node:fs/promises';
import { assertPixelLimit, ImageInputError, type PixelImage } from '@blurgate/core';
import sharp, { type Metadata } from 'sharp';

/** Default decompression-bomb guard: 100 megapixels. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface DecodeImageOptions {
  /** Refuse images with more pixels than this (width × height of the first frame). Default 100 MP. */
  readonly maxPixels?: number;
}

/** A path, or the bytes of an encoded image. */
export type ImageSource = string | Uint8Array;

function describeSource(input: ImageSource): string {
  return typeof input === 'string' ? input : `<${input.byteLength}-byte buffer>`;
}

async function readSource(input: ImageSource): Promise<Uint8Array> {
  if (typeof input !== 'string') return input;
  let size: number;
  try {
    const info = await stat(input);
    if (info.isDirectory()) {
      throw new ImageInputError('INVALID_IMAGE', `${input}: is a directory, not an image file`);
    }
    size = info.size;
  } catch (cause) {
    if (cause instanceof ImageInputError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ImageInputError('INPUT_NOT_FOUND', `${input}: no such file`, { cause });
    }
    throw new ImageInputError('INPUT_NOT_FOUND', `${input}: cannot be read (${String(code ?? cause)})`, { cause });
  }
  if (size === 0) throw new ImageInputError('DECODE_FAILED', `${input}: the file is empty (0 bytes)`);
  return readFile(input);
}

function megapixels(pixels: number): string {
  return `${(pixels / 1e6).toFixed(pixels < 1e6 ? 2 : 0)} MP`;
}

/**
 * Turns libvips' wording into a reason a person can act on. libvips keeps one error buffer for all
 * threads, so with concurrent decodes its text can belong to another file: after a good header the
 * message names the format only and the libvips text stays in `cause`.
 */
function decodeFailure(where: string, cause: unknown, format?: string): ImageInputError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  if (format !== undefined) {
    return new ImageInputError('DECODE_FAILED', `${where}: the ${format.toUpperCase()} data is truncated or corrupt`, { cause });
  }
  if (/unsupported image format|not a known file format/i.test(detail)) {
    return new ImageInputError(
      'DECODE_FAILED',
      `${where}: not a supported image (JPEG, PNG, WebP, AVIF, TIFF or GIF); the content does not match any image format`,
      { cause },
    );
  }
  return new ImageInputError('DECODE_FAILED', `${where}: the image header cannot be read (${detail.trim()})`, { cause });
}

/**
 * Decodes a JPEG, PNG, WebP, AVIF, TIFF or GIF (first frame) with sharp into an 8-bit
 * {@link PixelImage}. EXIF orientation is applied (the one intended difference from Pillow);
 * 16-bit images keep their high byte, CMYK is converted to sRGB, grey is expanded to RGB, alpha is
 * kept (core drops it the way Pillow's `convert("RGB")` does), and embedded ICC profiles are ignored
 * as Pillow ignores them. For 8-bit PNGs the pixels equal Pillow's `convert("RGB")`. The pixel
 * limit is checked from the header (core's `assertPixelLimit`), before any pixel is decoded.
 *
 * @param input - A file path, or the bytes of an encoded image.
 * @param options - `maxPixels` (default {@link DEFAULT_MAX_PIXELS}, 100 MP).
 * @returns The decoded {@link PixelImage} (1 to 4 channels, 8-bit).
 * @throws {@link ImageInputError} `INPUT_NOT_FOUND`, `DECODE_FAILED`, `IMAGE_TOO_LARGE` or `INVALID_IMAGE`;
 *   `OptionError` for a bad `maxPixels`.
 * @example
 * ```ts
 * const pixels = await decodeImage('samples/sharp-opencv_board_000.jpg', { maxPixels: 20_000_000 });
 * ```
 */
export async function decodeImage(input: ImageSource, options: DecodeImageOptions = {}): Promise<PixelImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const where = describeSource(input);
  const bytes = await readSource(input);
  if (bytes.byteLength === 0) throw new ImageInputError('DECODE_FAILED', `${where}: the input is empty (0 bytes)`);

  let metadata: Metadata;
  try {
    // Header only: the size check below is ours, with a clearer message than libvips'.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw decodeFailure(where, cause);
  }
  const { width, height } = metadata;
  if (!width || !height) {
    throw new ImageInputError('DECODE_FAILED', `${where}: the image header has no size`);
  }
  // metadata() reads the header only, so this refuses a bomb before any pixel is decoded.
  // For animations sharp reports the frame height as pageHeight.
  const frameHeight = metadata.pageHeight ?? height;
  assertPixelLimit(width, frameHeight, maxPixels, where);

  try {
    // ignoreIcc: Pillow does not colour-manage, so neither do we (CMYK aside, which needs a profile).
    let pipeline = sharp(bytes, {
      autoOrient: true,
      limitInputPixels: maxPixels,
      pages: 1,
      failOn: 'error',
      ignoreIcc: metadata.space !== 'cmyk',
    });
    // CMYK needs a colour conversion, and 16-bit needs a cast that keeps the high byte; everything
    // else stays as stored so 8-bit pixels are bit-identical to Pillow's.
    if (metadata.space === 'cmyk' || metadata.depth === 'ushort') {
      pipeline = pipeline.toColourspace(metadata.channels !== undefined && metadata.channels <= 2 ? 'b-w' : 'srgb');
    }
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
        `${where}: the image is over the limit of ${megapixels(maxPixels)}; raise maxPixels if you trust this file`,
        { cause },
      );
    }
    throw decodeFailure(where, cause, metadata.format ?? 'image');
  }
}
