import { describe, expect, it } from 'vitest';
import { assertPixelLimit, checkMaxPixels, readInputChannels } from '../src/index.js';

describe('assertPixelLimit', () => {
  it('refuses more pixels than the limit with IMAGE_TOO_LARGE, naming the size and the limit', () => {
    expect(() => assertPixelLimit(10_000, 10_000, 100_000_000, 'a.png')).not.toThrow();
    expect(() => assertPixelLimit(40_000, 40_000, 100_000_000, 'bomb.png')).toThrowError(
      expect.objectContaining({
        code: 'IMAGE_TOO_LARGE',
        message: expect.stringMatching(/^bomb\.png: the image is 40000×40000 \(1600 MP\), over the limit of 100 MP/),
      }),
    );
  });

  it('takes only a positive safe integer as the limit', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 9007199254740992, '100']) {
      expect(() => checkMaxPixels(bad)).toThrowError(expect.objectContaining({ code: 'INVALID_OPTION' }));
      if (typeof bad === 'number')
        expect(() => assertPixelLimit(1, 1, bad)).toThrowError(expect.objectContaining({ code: 'INVALID_OPTION' }));
    }
    expect(checkMaxPixels(Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('readInputChannels', () => {
  it('reads 3 or 4 from an NCHW float32 input and refuses anything else', () => {
    expect(readInputChannels({ isTensor: true, type: 'float32', shape: ['batch', 4, 'h', 'w'] })).toBe(4);
    expect(readInputChannels({ isTensor: true, type: 'float32', shape: [1, 3, 384, 384] })).toBe(3);
    expect(() => readInputChannels({ isTensor: true, type: 'float32', shape: [1, 5, 'h', 'w'] })).toThrowError(
      expect.objectContaining({ code: 'UNSUPPORTED_MODEL', message: 'model input has 5 channels; expected 3 or 4' }),
    );
    expect(() => readInputChannels({ isTensor: true, type: 'uint8', shape: [1, 3, 8, 8] })).toThrowError(
      /expected float32/,
    );
    expect(() => readInputChannels({ isTensor: true, type: 'float32', shape: [3, 8, 8] })).toThrowError(/3 dimensions/);
    expect(() => readInputChannels({ isTensor: false })).toThrowError(/no tensor input/);
    expect(() => readInputChannels(undefined)).toThrowError(/no tensor input/);
  });
});
