import { describe, expect, it } from 'vitest';
import { ImageInputError, type PixelImage, toRgb } from '../src/index.js';

describe('toRgb', () => {
  it('replicates grey', () => {
    const out = toRgb({ data: new Uint8Array([0, 7, 255]), width: 3, height: 1, channels: 1 });
    expect(Array.from(out.data)).toEqual([0, 0, 0, 7, 7, 7, 255, 255, 255]);
    expect(out.channels).toBe(3);
  });
  it('drops the alpha of grey+alpha', () => {
    const out = toRgb({ data: new Uint8Array([10, 0, 20, 255]), width: 1, height: 2, channels: 2 });
    expect(Array.from(out.data)).toEqual([10, 10, 10, 20, 20, 20]);
  });
  it('drops RGBA alpha without compositing', () => {
    const out = toRgb({ data: new Uint8Array([1, 2, 3, 0, 4, 5, 6, 128]), width: 2, height: 1, channels: 4 });
    expect(Array.from(out.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it('returns RGB as is', () => {
    const image: PixelImage = { data: new Uint8Array([1, 2, 3]), width: 1, height: 1, channels: 3 };
    expect(toRgb(image)).toBe(image);
  });
  it('accepts canvas Uint8ClampedArray data', () => {
    const data = new Uint8ClampedArray([9, 8, 7, 255]);
    const out = toRgb({ data: data as unknown as Uint8Array, width: 1, height: 1, channels: 4 });
    expect(Array.from(out.data)).toEqual([9, 8, 7]);
  });
  it.each([
    ['wrong length', { data: new Uint8Array(5), width: 2, height: 1, channels: 3 }, /has 5 bytes but 2×1×3 needs 6/],
    ['zero width', { data: new Uint8Array(0), width: 0, height: 1, channels: 3 }, /positive integers, got 0×1/],
    ['fractional height', { data: new Uint8Array(3), width: 1, height: 1.5, channels: 3 }, /positive integers/],
    ['5 channels', { data: new Uint8Array(5), width: 1, height: 1, channels: 5 }, /1 \(grey\), 2/],
    ['no data', { data: [1, 2, 3], width: 1, height: 1, channels: 3 }, /Uint8Array/],
  ])('refuses %s with INVALID_IMAGE', (_name, image, message) => {
    try {
      toRgb(image as unknown as PixelImage);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImageInputError);
      expect((error as ImageInputError).code).toBe('INVALID_IMAGE');
      expect((error as Error).message).toMatch(message);
    }
  });
});
