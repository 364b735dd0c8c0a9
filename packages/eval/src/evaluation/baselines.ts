import { laplacianVariance, type PixelImage } from '@blurgate/core';
import sharp from 'sharp';
import type { BaselineScores } from './prediction-record.js';

/** The two baselines people use today, both "higher = sharper". */
export const BASELINE_NAMES = ['laplacian_variance', 'sharp_sharpness'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

export const BASELINE_TITLES: Record<BaselineName, string> = {
  laplacian_variance: 'Variance of the Laplacian',
  sharp_sharpness: "sharp's stats().sharpness",
};

/**
 * Scores one image file with both baselines. The file is decoded with sharp (EXIF orientation applied, like
 * `@blurgate/node`), so the baselines see the same pixels as the model.
 */
export async function scoreBaselines(path: string): Promise<BaselineScores> {
  const image = sharp(path, { failOn: 'none' }).rotate();
  const [stats, raw] = await Promise.all([
    image.clone().stats(),
    image.clone().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }),
  ]);
  const pixels: PixelImage = {
    data: new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength),
    width: raw.info.width,
    height: raw.info.height,
    channels: raw.info.channels as 1 | 2 | 3 | 4,
  };
  return {
    laplacian_variance: laplacianVariance(pixels),
    sharp_sharpness: Number.isFinite(stats.sharpness) ? stats.sharpness : null,
  };
}

/** Scores an image for a baseline, or null when it has none: a failed decode is not a crash. */
export async function tryScoreBaselines(path: string): Promise<BaselineScores> {
  try {
    return await scoreBaselines(path);
  } catch {
    return { laplacian_variance: null, sharp_sharpness: null };
  }
}
