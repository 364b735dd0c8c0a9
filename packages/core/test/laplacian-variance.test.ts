import { describe, expect, it } from 'vitest';
import {
  classifyByLaplacianVariance,
  laplacianVariance,
  OptionError,
  opencvGray,
  type PixelImage,
} from '../src/index.js';
import { bytesFromBase64, imageFromBase64, loadFixture } from './load-fixture.js';

interface LaplacianCase {
  name: string;
  width: number;
  height: number;
  data: string;
  gray: string;
  variance: number;
}

const fixture = loadFixture<{ source: string; cases: LaplacianCase[] }>('laplacian.json');

describe(`laplacianVariance against ${fixture.source}`, () => {
  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const image = imageFromBase64(c.data, c.width, c.height, 3);
    expect(Array.from(opencvGray(image))).toEqual(Array.from(bytesFromBase64(c.gray)));
    const variance = laplacianVariance(image);
    expect(Math.abs(variance - c.variance)).toBeLessThanOrEqual(1e-9 * Math.max(1, c.variance));
  });

  it('gives the same answer for grey, grey+alpha and RGBA forms of one image', () => {
    const c = fixture.cases.find((x) => x.name.startsWith('natural'))!;
    const gray = bytesFromBase64(c.gray);
    const pixels = c.width * c.height;
    const greyAlpha = new Uint8Array(pixels * 2);
    for (let i = 0; i < pixels; i++) greyAlpha[i * 2] = gray[i];
    const rgb = bytesFromBase64(c.data);
    const rgba = new Uint8Array(pixels * 4);
    for (let i = 0; i < pixels; i++) rgba.set([rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2], 7], i * 4);
    const base = { width: c.width, height: c.height };
    expect(laplacianVariance({ ...base, data: gray, channels: 1 })).toBeCloseTo(c.variance, 9);
    expect(laplacianVariance({ ...base, data: greyAlpha, channels: 2 })).toBeCloseTo(c.variance, 9);
    expect(laplacianVariance({ ...base, data: rgba, channels: 4 })).toBeCloseTo(c.variance, 9);
  });
});

describe('classifyByLaplacianVariance', () => {
  const flat: PixelImage = { data: new Uint8Array(8 * 8).fill(50), width: 8, height: 8, channels: 1 };
  const checker: PixelImage = {
    data: Uint8Array.from({ length: 64 }, (_, i) => (((i >> 3) + i) % 2 ? 255 : 0)),
    width: 8,
    height: 8,
    channels: 1,
  };
  it('calls low variance blurred and high variance sharp', () => {
    expect(classifyByLaplacianVariance(flat, 100)).toEqual({ label: 'blurred', variance: 0 });
    const verdict = classifyByLaplacianVariance(checker, 100);
    expect(verdict.label).toBe('sharp');
    expect(verdict.variance).toBeGreaterThan(100);
  });
  it('refuses a negative or non-finite threshold', () => {
    expect(() => classifyByLaplacianVariance(flat, -1)).toThrow(OptionError);
    expect(() => classifyByLaplacianVariance(flat, Number.POSITIVE_INFINITY)).toThrow(/threshold/);
  });
  it('refuses malformed images', () => {
    expect(() => laplacianVariance({ ...flat, data: new Uint8Array(3) })).toThrow(/INVALID_IMAGE|needs 64/);
  });
});
