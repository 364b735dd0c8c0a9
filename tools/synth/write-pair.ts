import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/** An RGB image of a pair, its raw pixels and the JPEG quality it is written at. */
export interface PairSide {
  readonly pixels: Uint8Array;
  readonly jpegQuality: number;
}

/**
 * Writes a sharp/blurred pair as `outDir/sharp/name` and `outDir/blurred/name` (JPEG), the layout every
 * synth step (tiles and whole-image views) shares.
 *
 * @returns the two paths written.
 */
export async function writeJpegPair(
  outDir: string,
  name: string,
  size: { readonly width: number; readonly height: number },
  sharpSide: PairSide,
  blurredSide: PairSide,
): Promise<{ sharp: string; blurred: string }> {
  const raw = { width: size.width, height: size.height, channels: 3 as const };
  const paths = { sharp: join(outDir, 'sharp', name), blurred: join(outDir, 'blurred', name) };
  for (const [path, side] of [
    [paths.sharp, sharpSide],
    [paths.blurred, blurredSide],
  ] as const) {
    await writeFile(path, await sharp(side.pixels, { raw }).jpeg({ quality: side.jpegQuality }).toBuffer());
  }
  return paths;
}
