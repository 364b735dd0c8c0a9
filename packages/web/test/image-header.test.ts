import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readImageDimensions } from '../src/image-header.js';
import { FIXTURES_DIR } from './support/fixtures.js';

const image = (name: string) => new Uint8Array(readFileSync(`${FIXTURES_DIR}images/${name}`));

describe('readImageDimensions', () => {
  it.each([
    ['china.png', 192, 108],
    ['china.jpg', 192, 108],
    ['flower.webp', 128, 115],
    ['two-frames.gif', 40, 30],
    // Stored size: orientation is applied later by the decoder; the pixel count is the same.
    ['exif-orientation-6.jpg', 96, 64],
    ['cmyk.jpg', 48, 32],
  ])('reads %s as %i×%i from its first bytes', (name, width, height) => {
    expect(readImageDimensions(image(name).subarray(0, 4096))).toEqual({ width, height });
  });

  it('returns null for unknown or cut-short data', () => {
    expect(readImageDimensions(new TextEncoder().encode('hello, world'))).toBeNull();
    expect(readImageDimensions(image('china.png').subarray(0, 12))).toBeNull();
    expect(readImageDimensions(image('china.jpg').subarray(0, 6))).toBeNull();
    expect(readImageDimensions(new Uint8Array(0))).toBeNull();
  });
});
