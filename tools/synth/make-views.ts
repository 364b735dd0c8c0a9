/**
 * One source image -> `views` pairs of (sharp, blurred) images as the gate sees them: the WHOLE image (or a
 * large region of it) squash-resized to the tile size, as `blurgate classify` squash-resizes every image to
 * its scales (SPEC section 1), instead of a native-resolution crop.
 *
 * Why: a model trained only on native-resolution crops never sees what a whole document page, screenshot
 * or photo looks like after the squash (a page of 10 px text becomes a texture of 2-4 px strokes), and the
 * first default model called such crisp pages blurred. A downscaled sharp image is sharp.
 *
 * - sharp copy: source -> tileSize x tileSize with a random resampling filter (linear, cubic, Mitchell,
 *   Lanczos 3: what other tools downscale with);
 * - blurred copy, two ways: (a) blur applied at a working resolution between the view and the source (the
 *   way a real photo's blur happens before anybody resizes it), with its strength scaled so that it measures
 *   the drawn strength in pixels of the VIEW, then squash-resized to the view; (b) blur applied after the
 *   squash, in pixels of the view. Strengths are those of `drawBlur`, so "blurred" means blurred at the size
 *   the gate looks at;
 * - `keepSize` (held-out evaluation sets): the pair keeps the source's own size (capped at `maxSide`), the
 *   blurred copy is blurred at a working resolution as in (a) and resized back, so the gate does the squash
 *   itself at evaluation.
 * Both copies then get the non-blur changes of `drawPhotometric` (brightness, contrast, noise, JPEG).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  applyPhotometric,
  blurKernel,
  blurTile,
  drawBlur,
  drawBlurStrength,
  drawPhotometric,
  type BlurKind,
} from './degrade.js';
import { createRng, hashString, type Rng } from './rng.js';
import type { PairRecord } from './make-tiles.js';
import { laplacianVarianceRgb } from './texture.js';
import { writeJpegPair } from './write-pair.js';

export interface ViewJob {
  readonly file: string;
  /** Output name prefix (unique per source image). */
  readonly prefix: string;
  /** `<out>/<split>`: images go to `sharp/` and `blurred/` under it. */
  readonly outDir: string;
  readonly views: number;
  /** Side of the square view (the gate's default scale). */
  readonly tileSize: number;
  /** Minimum Laplacian variance of the sharp view (drops blank pages: blank looks the same blurred). */
  readonly minTexture: number;
  readonly seed: number;
  /** Multiplies the blur strength ranges (pixels of the view). */
  readonly blurScale: number;
  /** Keep the source's size (evaluation sets) instead of squashing to tileSize x tileSize. */
  readonly keepSize: boolean;
  /** Longest side of the source after an initial downscale (a downscaled sharp image is sharp). */
  readonly maxSide: number;
  /**
   * Share of views put on a flat canvas (black, white, grey or a colour; 3-30% margins) before either copy
   * is made, so the blurred copy is blurred across the frame's edge. Screenshots with transparent shadows
   * decode onto black and pages have wide margins: 2.0.0 called heavily blurred framed screenshots sharp.
   */
  readonly frameProb?: number;
  /**
   * Share of views whose region is first shrunk to a long side of 160-640 px, so that the squash to the
   * view enlarges it, as the gate enlarges small images (an enlarged sharp image is still sharp).
   */
  readonly smallSourceProb?: number;
}

/** blurStrength is in pixels of the view (the tileSize x tileSize squash of the image). */
export interface ViewRecord extends PairRecord {
  /** 'work' = blurred at a working resolution before the squash, 'view' = after it. */
  readonly blurAt: 'work' | 'view';
  readonly region: readonly [number, number, number, number];
  readonly size: readonly [number, number];
}

type Kernel = 'linear' | 'cubic' | 'mitchell' | 'lanczos3';
const KERNELS: readonly Kernel[] = ['linear', 'cubic', 'mitchell', 'lanczos3'];

/**
 * Largest blur in pixels of the working image, by kind (trajectory: RMS spread): bounds the cost of the
 * hand-written convolution (a dense defocus disk costs radius^2 per pixel); above it the working image is
 * made smaller instead.
 */
const MAX_WORK_STRENGTH: Readonly<Record<BlurKind, number>> = { trajectory: 10, linear: 72, defocus: 14, gaussian: 14 };

interface Raw {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

async function resizeRaw(src: Raw, width: number, height: number, kernel: Kernel): Promise<Raw> {
  if (width === src.width && height === src.height) return src;
  const out = await sharp(src.data, { raw: { width: src.width, height: src.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(out.buffer, out.byteOffset, out.length), width, height };
}

async function extractRaw(src: Raw, left: number, top: number, width: number, height: number): Promise<Raw> {
  if (left === 0 && top === 0 && width === src.width && height === src.height) return src;
  const out = await sharp(src.data, { raw: { width: src.width, height: src.height, channels: 3 } })
    .extract({ left, top, width, height })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(out.buffer, out.byteOffset, out.length), width, height };
}

/** `region` centred on a flat canvas with random margins (a window on a desktop, a page on a scanner bed). */
function frameRegion(region: Raw, rng: Rng): Raw {
  const left = Math.round(region.width * rng.uniform(0.03, 0.3));
  const right = Math.round(region.width * rng.uniform(0.03, 0.3));
  const top = Math.round(region.height * rng.uniform(0.03, 0.3));
  const bottom = Math.round(region.height * rng.uniform(0.03, 0.3));
  const width = region.width + left + right;
  const height = region.height + top + bottom;
  const u = rng.next();
  const grey = rng.int(0, 255);
  const colour =
    u < 0.4
      ? [0, 0, 0]
      : u < 0.65
        ? [255, 255, 255]
        : u < 0.85
          ? [grey, grey, grey]
          : [0, 1, 2].map(() => rng.int(0, 255));
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(colour, i * 3);
  for (let y = 0; y < region.height; y++) {
    const src = y * region.width * 3;
    data.set(region.data.subarray(src, src + region.width * 3), ((y + top) * width + left) * 3);
  }
  return { data, width, height };
}

function toUint8(pixels: Float32Array): Uint8Array {
  const out = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i] ?? 0;
    out[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
  }
  return out;
}

/** The blurred copy of `region` at `out` size, blurred at a working resolution with a view-sized strength. */
async function blurAtWork(
  region: Raw,
  out: { width: number; height: number },
  view: number,
  rng: Rng,
  blurScale: number,
) {
  // Working resolution: between the view and the source (never above the source), long side ~1-2x the view's.
  const m = rng.logUniform(1, 2);
  let r = Math.min(1, (view * m) / Math.max(region.width, region.height));
  r = Math.max(r, Math.min(1, view / Math.min(region.width, region.height)));
  // The strength must measure `strength` view pixels along both axes of the view: scale by the larger of
  // the two working-to-view factors of the squash.
  const { kind, strength } = drawBlurStrength(rng, blurScale);
  let k = Math.max(region.width * r, region.height * r) / view;
  const cap = MAX_WORK_STRENGTH[kind];
  if (strength * k > cap) {
    r *= cap / (strength * k);
    k = cap / strength;
  }
  const ww = Math.max(8, Math.round(region.width * r));
  const wh = Math.max(8, Math.round(region.height * r));
  const work = await resizeRaw(region, ww, wh, rng.pick(KERNELS));
  const kernel = blurKernel(kind, strength * k, rng);
  const blurred: Raw = { data: toUint8(blurTile(work.data, ww, wh, kernel)), width: ww, height: wh };
  return { image: await resizeRaw(blurred, out.width, out.height, rng.pick(KERNELS)), kind, strength };
}

/** Makes the views of one source image; returns a record per written pair (fewer for blank images). */
export async function makeViews(job: ViewJob): Promise<ViewRecord[]> {
  const rng = createRng(hashString(job.prefix, job.seed));
  const meta = await sharp(job.file, { limitInputPixels: false }).metadata();
  let width = meta.width ?? 0;
  let height = meta.height ?? 0;
  let base = sharp(job.file, { limitInputPixels: false }).removeAlpha().toColourspace('srgb');
  const scale = Math.min(1, job.maxSide / Math.max(width, height));
  if (scale < 1) {
    width = Math.max(1, Math.round(width * scale));
    height = Math.max(1, Math.round(height * scale));
    base = base.resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  }
  const decoded = await base.raw().toBuffer({ resolveWithObject: true });
  if (decoded.info.channels !== 3)
    throw new Error(`expected 3 channels after removeAlpha, got ${decoded.info.channels}`);
  const source: Raw = {
    data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length),
    width: decoded.info.width,
    height: decoded.info.height,
  };
  const records: ViewRecord[] = [];
  if (Math.min(source.width, source.height) < 32) return records;
  await mkdir(join(job.outDir, 'sharp'), { recursive: true });
  await mkdir(join(job.outDir, 'blurred'), { recursive: true });
  const T = job.tileSize;
  for (let v = 0; v < job.views * 2 && records.length < job.views; v++) {
    // The first view is the whole image; later ones are the whole image or a large region (any aspect).
    const whole = v === 0 || rng.next() < 0.4;
    const rw = whole ? source.width : Math.max(32, Math.round(source.width * rng.uniform(0.5, 1)));
    const rh = whole ? source.height : Math.max(32, Math.round(source.height * rng.uniform(0.5, 1)));
    const left = rng.int(0, source.width - rw);
    const top = rng.int(0, source.height - rh);
    let region = await extractRaw(source, left, top, rw, rh);
    if (!job.keepSize && (job.smallSourceProb ?? 0) > 0 && rng.next() < (job.smallSourceProb ?? 0)) {
      const side = rng.logUniform(160, 640);
      const f = side / Math.max(region.width, region.height);
      if (f < 1) {
        const w = Math.max(16, Math.round(region.width * f));
        const h = Math.max(16, Math.round(region.height * f));
        region = await resizeRaw(region, w, h, rng.pick(KERNELS));
      }
    }
    if (!job.keepSize && (job.frameProb ?? 0) > 0 && rng.next() < (job.frameProb ?? 0))
      region = frameRegion(region, rng);
    const out = job.keepSize ? { width: region.width, height: region.height } : { width: T, height: T };
    const sharpView = job.keepSize ? region : await resizeRaw(region, T, T, rng.pick(KERNELS));
    const atView = !job.keepSize && rng.next() < 0.3;
    const sharpPhoto = drawPhotometric(rng);
    const blurPhoto = drawPhotometric(rng);
    // Texture is judged on the view the gate sees (keepSize: a bilinear squash to T).
    const judged = job.keepSize ? await resizeRaw(region, T, T, 'linear') : sharpView;
    const texture = laplacianVarianceRgb(judged.data, T, T, 3);
    if (texture < job.minTexture) continue;
    let blurred: Raw;
    let kind: string;
    let strength: number;
    if (atView) {
      const blur = drawBlur(rng, job.blurScale);
      blurred = { data: toUint8(blurTile(sharpView.data, T, T, blur.kernel)), width: T, height: T };
      kind = blur.kind;
      strength = blur.strength;
    } else {
      const made = await blurAtWork(region, out, T, rng, job.blurScale);
      blurred = made.image;
      kind = made.kind;
      strength = made.strength;
    }
    const name = `${job.prefix}_v${String(records.length).padStart(2, '0')}.jpg`;
    const sharpPixels = applyPhotometric(sharpView.data, sharpPhoto, rng);
    const blurredPixels = applyPhotometric(blurred.data, blurPhoto, rng);
    const { sharp: sharpPath, blurred: blurredPath } = await writeJpegPair(
      job.outDir,
      name,
      out,
      { pixels: sharpPixels, jpegQuality: sharpPhoto.jpegQuality },
      { pixels: blurredPixels, jpegQuality: blurPhoto.jpegQuality },
    );
    records.push({
      source: job.file,
      sharp: sharpPath,
      blurred: blurredPath,
      texture: Math.round(texture),
      blurKind: kind,
      blurStrength: Math.round(strength * 100) / 100,
      blurAt: atView ? 'view' : 'work',
      region: [left, top, rw, rh],
      size: [out.width, out.height],
    });
  }
  return records;
}
