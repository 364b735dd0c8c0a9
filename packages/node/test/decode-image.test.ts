import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type PixelImage, toRgb } from '@blurgate/core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../src/index.js';
import { IMAGES, pngHeaderOnly, reference, withTempDir } from './helpers.js';

const image = (name: string) => join(IMAGES, name);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function pixel(img: PixelImage, x: number, y: number): number[] {
  const i = (y * img.width + x) * img.channels;
  return Array.from(img.data.subarray(i, i + img.channels));
}

function meanAbsDiff(a: PixelImage, b: PixelImage): number {
  expect([a.width, a.height, a.channels]).toEqual([b.width, b.height, b.channels]);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}

async function expectDecodeError(input: string | Uint8Array, code: string, message: RegExp, maxPixels?: number) {
  await expect(decodeImage(input, { maxPixels })).rejects.toMatchObject({
    name: 'ImageInputError',
    code,
    message: expect.stringMatching(message),
  });
}

describe('decodeImage: pixels equal Pillow for 8-bit PNG', () => {
  const pngs = Object.entries(reference.images).filter(([, f]) => f.pillowRgbSha256);
  it.each(pngs.map(([name]) => name))('%s', async (name) => {
    const facts = reference.images[name];
    const decoded = await decodeImage(image(name));
    expect([decoded.width, decoded.height]).toEqual([facts.width, facts.height]);
    expect(sha256(toRgb(decoded).data)).toBe(facts.pillowRgbSha256);
  });
});

describe('decodeImage: formats', () => {
  it('keeps alpha (RGBA stays 4 channels; core drops it)', async () => {
    const rgba = await decodeImage(image('rgba.png'));
    expect(rgba.channels).toBe(4);
    const alphas = new Set<number>();
    for (let i = 3; i < rgba.data.length; i += 4) alphas.add(rgba.data[i]);
    expect(alphas.size).toBeGreaterThan(50);
    const greyAlpha = await decodeImage(image('grey-alpha.png'));
    expect([2, 4]).toContain(greyAlpha.channels);
  });

  it('applies EXIF orientation 6 (stored 96×64 landscape, shown 64×96 portrait)', async () => {
    const decoded = await decodeImage(image('exif-orientation-6.jpg'));
    expect([decoded.width, decoded.height]).toEqual([64, 96]);
    const q = reference.images['exif-orientation-6.jpg'].quadrants as Record<string, number[]>;
    const at = { topLeft: [16, 24], topRight: [48, 24], bottomLeft: [16, 72], bottomRight: [48, 72] } as const;
    for (const [where, [x, y]] of Object.entries(at)) {
      const got = pixel(decoded, x, y);
      q[where].forEach((v, c) => {
        expect(Math.abs(got[c] - v), `${where} channel ${c}`).toBeLessThan(12);
      });
    }
  });

  it('reduces 16-bit PNG to 8 bits by its high byte', async () => {
    const deep = await decodeImage(image('rgb16.png'));
    const eight = await decodeImage(image('flower.png'));
    expect(deep.channels).toBe(3);
    // rgb16 = flower.png << 8 | noise: the high byte is the 8-bit image.
    expect(meanAbsDiff(deep, eight)).toBeLessThan(0.01);
  });

  it('converts CMYK JPEG to sRGB (cyan left, white right)', async () => {
    const cmyk = await decodeImage(image('cmyk.jpg'));
    expect([cmyk.width, cmyk.height, cmyk.channels]).toEqual([48, 32, 3]);
    const [r, g, b] = pixel(cmyk, 8, 16);
    expect(r).toBeLessThan(80);
    expect(g).toBeGreaterThan(r + 60);
    expect(b).toBeGreaterThan(r + 60);
    for (const v of pixel(cmyk, 40, 16)) expect(v).toBeGreaterThan(225);
  });

  it('decodes lossless WebP and LZW TIFF to the same pixels as the PNG', async () => {
    expect(meanAbsDiff(await decodeImage(image('flower.webp')), await decodeImage(image('flower.png')))).toBe(0);
    expect(meanAbsDiff(await decodeImage(image('texture.tiff')), await decodeImage(image('texture.png')))).toBe(0);
  });

  it('decodes AVIF and JPEG close to the source', async () => {
    const avif = toRgb(await decodeImage(image('flower.avif')));
    expect(meanAbsDiff(avif, toRgb(await decodeImage(image('flower.png'))))).toBeLessThan(12);
    const jpeg = await decodeImage(image('china.jpg'));
    expect(meanAbsDiff(jpeg, toRgb(await decodeImage(image('china.png'))))).toBeLessThan(8);
  });

  it('takes the first frame of an animated GIF', async () => {
    const gif = toRgb(await decodeImage(image('two-frames.gif')));
    expect([gif.width, gif.height]).toEqual([40, 30]);
    expect(pixel(gif, 20, 15)).toEqual([0, 0, 255]);
  });

  it('accepts a Buffer and a plain Uint8Array', async () => {
    const bytes = await readFile(image('palette.png'));
    const fromBuffer = await decodeImage(bytes);
    const fromArray = await decodeImage(new Uint8Array(bytes));
    expect(sha256(toRgb(fromBuffer).data)).toBe(reference.images['palette.png'].pillowRgbSha256);
    expect(meanAbsDiff(fromBuffer, fromArray)).toBe(0);
  });
});

describe('decodeImage: bad inputs give ImageInputError with a clear message', () => {
  it('missing file', () => expectDecodeError('/no/such/file.jpg', 'INPUT_NOT_FOUND', /no such file/));

  it('empty, truncated, text-as-jpg, bomb header', async () => {
    await withTempDir(async (dir) => {
      const write = async (name: string, bytes: Uint8Array | string) => {
        await writeFile(join(dir, name), bytes);
        return join(dir, name);
      };
      await expectDecodeError(await write('empty.jpg', ''), 'DECODE_FAILED', /empty/);
      await expectDecodeError(new Uint8Array(0), 'DECODE_FAILED', /empty/);
      const png = await readFile(image('china.png'));
      await expectDecodeError(
        await write('cut.png', png.subarray(0, png.length / 2)),
        'DECODE_FAILED',
        /truncated or corrupt/,
      );
      const jpg = await readFile(image('china.jpg'));
      await expectDecodeError(
        await write('cut.jpg', jpg.subarray(0, jpg.length / 3)),
        'DECODE_FAILED',
        /truncated or corrupt/,
      );
      await expectDecodeError(
        await write('notes.jpg', 'just some text, not a JPEG\n'),
        'DECODE_FAILED',
        /not a supported image/,
      );
      await expectDecodeError(
        await write('bomb.png', pngHeaderOnly(40_000, 40_000)),
        'IMAGE_TOO_LARGE',
        /40000×40000 .*over the limit of 100 MP/,
      );
      await expectDecodeError(dir, 'INVALID_IMAGE', /is a directory/);
    });
  });

  it('maxPixels is configurable', async () => {
    await expectDecodeError(image('china.png'), 'IMAGE_TOO_LARGE', /192×108/, 10_000);
    const ok = await decodeImage(image('china.png'), { maxPixels: 192 * 108 });
    expect(ok.width).toBe(192);
  });

  it('a 1×1 image decodes (the classifier refuses it, see blur-gate tests)', async () => {
    const one = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    const decoded = await decodeImage(one);
    expect([decoded.width, decoded.height]).toEqual([1, 1]);
  });
});
