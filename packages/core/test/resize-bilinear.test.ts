import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImageInputError, OptionError, type PixelImage, resizeBilinear, toRgb } from '../src/index.js';
import { firstDifference } from './array-difference.js';
import type { ResizeCase } from './golden-cases.js';
import { bytesFromBase64, imageFromBase64, loadFixture } from './load-fixture.js';

const fixture = loadFixture<{ cases: ResizeCase[] }>('resize.json');

describe('toRgb + resizeBilinear against Pillow', () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const rgb = toRgb(imageFromBase64(c.data, c.width, c.height, c.channels));
    expect(rgb.channels).toBe(3);
    expect(firstDifference(rgb.data, bytesFromBase64(c.rgb))).toBe(-1);
    const resized = resizeBilinear(rgb, c.outWidth, c.outHeight);
    expect([resized.width, resized.height, resized.channels]).toEqual([c.outWidth, c.outHeight, 3]);
    expect(firstDifference(resized.data, bytesFromBase64(c.expected))).toBe(-1);
  });

  it('resizes 1-channel and 4-channel images channel by channel like the RGB path', () => {
    const c = fixture.cases.find((x) => x.channels === 3 && x.width === 60)!;
    const rgb = imageFromBase64(c.rgb, c.width, c.height, 3);
    const expected = bytesFromBase64(c.expected);
    for (const channel of [0, 1, 2]) {
      const grey = new Uint8Array(c.width * c.height);
      for (let i = 0; i < grey.length; i++) grey[i] = rgb.data[i * 3 + channel];
      const out = resizeBilinear(
        { data: grey, width: c.width, height: c.height, channels: 1 },
        c.outWidth,
        c.outHeight,
      );
      for (let i = 0; i < out.data.length; i++) expect(out.data[i]).toBe(expected[i * 3 + channel]);
    }
  });
});

const arbitraryImage = fc
  .record({
    width: fc.integer({ min: 1, max: 12 }),
    height: fc.integer({ min: 1, max: 12 }),
    channels: fc.constantFrom(1, 2, 3, 4),
  })
  .chain(({ width, height, channels }) =>
    fc
      .uint8Array({ minLength: width * height * channels, maxLength: width * height * channels })
      .map((data): PixelImage => ({ data, width, height, channels: channels as 1 | 2 | 3 | 4 })),
  );

describe('resizeBilinear properties', () => {
  it('same size is the identity (and a copy)', () => {
    fc.assert(
      fc.property(arbitraryImage, (image) => {
        const out = resizeBilinear(image, image.width, image.height);
        expect(out.data).toEqual(image.data);
        expect(out.data).not.toBe(image.data);
      }),
    );
  });

  it('a constant image stays the same constant at any size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(1, 3, 4),
        (w, h, ow, oh, value, channels) => {
          const image: PixelImage = {
            data: new Uint8Array(w * h * channels).fill(value),
            width: w,
            height: h,
            channels: channels as 1 | 3 | 4,
          };
          const out = resizeBilinear(image, ow, oh);
          expect(out.data.length).toBe(ow * oh * channels);
          expect(out.data.every((v) => v === value)).toBe(true);
        },
      ),
    );
  });

  it('output values stay within the input range', () => {
    fc.assert(
      fc.property(arbitraryImage, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), (image, ow, oh) => {
        const out = resizeBilinear(image, ow, oh);
        let min = 255;
        let max = 0;
        for (const v of image.data) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        expect(out.data.every((v) => v >= min && v <= max)).toBe(true);
      }),
    );
  });
});

describe('resizeBilinear errors', () => {
  const image: PixelImage = { data: new Uint8Array(12), width: 2, height: 2, channels: 3 };
  it('refuses non-positive or fractional target sizes', () => {
    expect(() => resizeBilinear(image, 0, 4)).toThrow(OptionError);
    expect(() => resizeBilinear(image, 4, 2.5)).toThrow(/height must be a positive integer/);
  });
  it('refuses malformed images', () => {
    expect(() => resizeBilinear({ ...image, data: new Uint8Array(11) }, 4, 4)).toThrow(ImageInputError);
  });
});
