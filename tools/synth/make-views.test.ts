import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeViews, type ViewJob } from './make-views.js';
import { writeTexturedSource } from './textured-source.js';
import { laplacianVarianceRgb } from './texture.js';

let dir = '';
let source = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'views-'));
  // A textured 300x180 source (not square: the view squashes it): 3x3 blocks, strong edges everywhere.
  source = await writeTexturedSource(join(dir, 'src.png'), 300, 180, 3, 3);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const job = (outDir: string, over: Partial<ViewJob> = {}): ViewJob => ({
  file: source,
  prefix: 'src',
  outDir,
  views: 3,
  tileSize: 96,
  minTexture: 20,
  seed: 5,
  blurScale: 1,
  keepSize: false,
  maxSide: 4096,
  ...over,
});

async function lapVar(path: string): Promise<number> {
  const img = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return laplacianVarianceRgb(new Uint8Array(img.data), img.info.width, img.info.height, img.info.channels);
}

describe('makeViews', () => {
  it('squashes the whole image (first view) to tileSize x tileSize, deterministically from the seed', async () => {
    const a = await makeViews(job(join(dir, 'a')));
    const b = await makeViews(job(join(dir, 'b')));
    expect(a).toHaveLength(3);
    expect(a[0]?.region).toEqual([0, 0, 300, 180]);
    expect(a.map((r) => [r.blurKind, r.blurStrength, r.region, r.blurAt])).toEqual(
      b.map((r) => [r.blurKind, r.blurStrength, r.region, r.blurAt]),
    );
    for (const r of a) {
      const meta = await sharp(r.sharp).metadata();
      expect([meta.width, meta.height]).toEqual([96, 96]);
      expect(await readFile(r.blurred)).toEqual(await readFile(b[a.indexOf(r)]?.blurred ?? ''));
    }
  });

  it('the blurred view has less high-frequency energy than the sharp view', async () => {
    for (const r of await makeViews(job(join(dir, 'c'), { views: 4, seed: 9 }))) {
      expect(await lapVar(r.blurred)).toBeLessThan(await lapVar(r.sharp));
    }
  });

  it('keepSize keeps the region size (evaluation sets), and maxSide downscales the source first', async () => {
    const kept = await makeViews(job(join(dir, 'd'), { keepSize: true, views: 1 }));
    expect(kept[0]?.size).toEqual([300, 180]);
    expect((await sharp(kept[0]?.blurred ?? '').metadata()).width).toBe(300);
    const capped = await makeViews(job(join(dir, 'e'), { keepSize: true, views: 1, maxSide: 150 }));
    expect(capped[0]?.size).toEqual([150, 90]);
  });

  it('frameProb puts the view on a flat canvas (both copies framed), smallSourceProb still writes tile-size views', async () => {
    const framed = await makeViews(job(join(dir, 'g'), { views: 2, frameProb: 1, seed: 4 }));
    expect(framed.length).toBeGreaterThan(0);
    for (const r of framed) {
      // The sharp copy's corner is the canvas: flat (a 4x4 patch varies only by noise and JPEG).
      const img = await sharp(r.sharp).raw().toBuffer({ resolveWithObject: true });
      const corner: number[] = [];
      for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) corner.push(img.data[(y * img.info.width + x) * 3] ?? 0);
      expect(Math.max(...corner) - Math.min(...corner)).toBeLessThan(24);
      expect(await lapVar(r.blurred)).toBeLessThan(await lapVar(r.sharp));
    }
    const small = await makeViews(job(join(dir, 'h'), { views: 2, smallSourceProb: 1, seed: 4 }));
    for (const r of small) expect((await sharp(r.sharp).metadata()).width).toBe(96);
  });

  it('skips blank images', async () => {
    const flat = join(dir, 'flat.png');
    await writeFile(
      flat,
      await sharp({ create: { width: 200, height: 120, channels: 3, background: '#f0f0f0' } })
        .png()
        .toBuffer(),
    );
    expect(await makeViews(job(join(dir, 'f'), { file: flat }))).toHaveLength(0);
  });
});
