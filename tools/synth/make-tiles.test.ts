import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTiles, type TileJob } from './make-tiles.js';
import { writeTexturedSource } from './textured-source.js';
import { laplacianVarianceRgb } from './texture.js';

let dir = '';
let source = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'synth-'));
  // A textured 240x200 source: random 4x4 blocks (strong edges everywhere).
  source = await writeTexturedSource(join(dir, 'src.png'), 240, 200, 4, 11);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const job = (outDir: string, over: Partial<TileJob> = {}): TileJob => ({
  file: source,
  prefix: 'src',
  outDir,
  tiles: 3,
  tileSize: 64,
  downscale: 1,
  minTexture: 100,
  seed: 5,
  maxZoomOut: 2,
  blurScale: 1,
  ...over,
});

describe('makeTiles', () => {
  it('writes sharp/blurred pairs deterministically from the seed', async () => {
    const a = await makeTiles(job(join(dir, 'a')));
    const b = await makeTiles(job(join(dir, 'b')));
    expect(a).toHaveLength(3);
    expect(a.map((r) => [r.blurKind, r.blurStrength, r.crop])).toEqual(
      b.map((r) => [r.blurKind, r.blurStrength, r.crop]),
    );
    for (let i = 0; i < a.length; i++) {
      const ra = a[i];
      const rb = b[i];
      if (!ra || !rb) throw new Error('missing record');
      expect(await readFile(ra.blurred)).toEqual(await readFile(rb.blurred));
      expect(await readFile(ra.sharp)).toEqual(await readFile(rb.sharp));
    }
    const c = await makeTiles(job(join(dir, 'c'), { seed: 6 }));
    expect(c.map((r) => r.crop)).not.toEqual(a.map((r) => r.crop));
  });

  it('the blurred copy has less high-frequency energy than the sharp copy', async () => {
    const records = await makeTiles(job(join(dir, 'd'), { tiles: 4 }));
    for (const r of records) {
      const s = await sharp(r.sharp).raw().toBuffer({ resolveWithObject: true });
      const bl = await sharp(r.blurred).raw().toBuffer({ resolveWithObject: true });
      const lapS = laplacianVarianceRgb(new Uint8Array(s.data), s.info.width, s.info.height, s.info.channels);
      const lapB = laplacianVarianceRgb(new Uint8Array(bl.data), bl.info.width, bl.info.height, bl.info.channels);
      expect(lapB).toBeLessThan(lapS);
    }
  });

  it('skips flat crops and sources smaller than a tile', async () => {
    const flat = join(dir, 'flat.png');
    await writeFile(
      flat,
      await sharp({ create: { width: 100, height: 100, channels: 3, background: '#808080' } })
        .png()
        .toBuffer(),
    );
    expect(await makeTiles(job(join(dir, 'e'), { file: flat }))).toHaveLength(0);
    expect(await makeTiles(job(join(dir, 'f'), { tileSize: 512 }))).toHaveLength(0);
  });
});
