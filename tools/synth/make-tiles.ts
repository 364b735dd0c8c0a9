/**
 * One source image -> `tiles` pairs of (sharp, blurred) JPEG tiles: random square crops at random scales
 * (always downscaling, never upscaling, so "sharp" stays sharp), textured crops only.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { applyPhotometric, blurTile, drawBlur, drawPhotometric } from './degrade.js';
import { createRng, hashString } from './rng.js';
import { laplacianVarianceRgb } from './texture.js';
import { writeJpegPair } from './write-pair.js';

export interface TileJob {
  readonly file: string;
  /** Output name prefix (unique per source image). */
  readonly prefix: string;
  /** `<out>/<split>`: tiles go to `sharp/` and `blurred/` under it. */
  readonly outDir: string;
  readonly tiles: number;
  readonly tileSize: number;
  /** Source scale factor applied first (0.5 for huge wallpapers: halves noise and softness). */
  readonly downscale: number;
  /** Minimum Laplacian variance of a clean tile to keep it. */
  readonly minTexture: number;
  readonly seed: number;
  /** Largest crop as a multiple of the tile size (bounds the rescale). */
  readonly maxZoomOut: number;
  /** Multiplies the blur strength ranges (pixels of the output tile). */
  readonly blurScale: number;
}

/** What every written sharp/blurred pair records (tiles and whole-image views alike). */
export interface PairRecord {
  readonly source: string;
  readonly sharp: string;
  readonly blurred: string;
  readonly texture: number;
  readonly blurKind: string;
  readonly blurStrength: number;
}

export interface TileRecord extends PairRecord {
  readonly kernelSize: number;
  readonly crop: readonly [number, number, number];
}

/** Makes the tiles of one source image; returns a record per written pair (fewer when texture is low). */
export async function makeTiles(job: TileJob): Promise<TileRecord[]> {
  const rng = createRng(hashString(job.prefix, job.seed));
  let base = sharp(job.file, { limitInputPixels: false }).removeAlpha().toColourspace('srgb');
  const meta = await sharp(job.file, { limitInputPixels: false }).metadata();
  let width = meta.width ?? 0;
  let height = meta.height ?? 0;
  if (job.downscale !== 1) {
    width = Math.max(1, Math.round(width * job.downscale));
    height = Math.max(1, Math.round(height * job.downscale));
    base = base.resize(width, height, { fit: 'fill' });
  }
  const { data, info } = await base.raw().toBuffer({ resolveWithObject: true });
  width = info.width;
  height = info.height;
  const channels = info.channels;
  const records: TileRecord[] = [];
  const minSide = Math.min(width, height);
  if (minSide < job.tileSize) return records;
  await mkdir(join(job.outDir, 'sharp'), { recursive: true });
  await mkdir(join(job.outDir, 'blurred'), { recursive: true });
  const attempts = job.tiles * 4;
  for (let a = 0; a < attempts && records.length < job.tiles; a++) {
    const crop = Math.min(
      minSide,
      Math.round(rng.uniform(job.tileSize, Math.min(minSide, job.tileSize * job.maxZoomOut))),
    );
    const left = rng.int(0, width - crop);
    const top = rng.int(0, height - crop);
    const tile = await sharp(data, { raw: { width, height, channels } })
      .extract({ left, top, width: crop, height: crop })
      .resize(job.tileSize, job.tileSize, { fit: 'fill', kernel: 'lanczos3' })
      .removeAlpha()
      .raw()
      .toBuffer();
    const pixels = new Uint8Array(tile.buffer, tile.byteOffset, tile.length);
    const texture = laplacianVarianceRgb(pixels, job.tileSize, job.tileSize, 3);
    // Draw everything even when the tile is rejected, so the stream of random numbers stays simple.
    const blur = drawBlur(rng, job.blurScale);
    const sharpPhoto = drawPhotometric(rng);
    const blurPhoto = drawPhotometric(rng);
    if (texture < job.minTexture) continue;
    const name = `${job.prefix}_${String(records.length).padStart(3, '0')}.jpg`;
    const sharpPixels = applyPhotometric(pixels, sharpPhoto, rng);
    const blurredPixels = applyPhotometric(blurTile(pixels, job.tileSize, job.tileSize, blur.kernel), blurPhoto, rng);
    const { sharp: sharpPath, blurred: blurredPath } = await writeJpegPair(
      job.outDir,
      name,
      { width: job.tileSize, height: job.tileSize },
      { pixels: sharpPixels, jpegQuality: sharpPhoto.jpegQuality },
      { pixels: blurredPixels, jpegQuality: blurPhoto.jpegQuality },
    );
    records.push({
      source: job.file,
      sharp: sharpPath,
      blurred: blurredPath,
      texture: Math.round(texture),
      blurKind: blur.kind,
      blurStrength: Math.round(blur.strength * 100) / 100,
      kernelSize: blur.kernel.size,
      crop: [left, top, crop],
    });
  }
  return records;
}
