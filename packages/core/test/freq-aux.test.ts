import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  freqAuxChannel,
  IMAGENET_MEAN,
  IMAGENET_STD,
  ImageInputError,
  modelInputTensor,
  normalizeImage,
  OptionError,
  resizeBilinear,
} from '../src/index.js';
import { maxAbsDifference } from './array-difference.js';
import type { FreqAuxCase } from './golden-cases.js';
import { float32FromBase64, imageFromBase64, loadFixture } from './load-fixture.js';

const fixture = loadFixture<{ cases: FreqAuxCase[] }>('freq-aux.json');

describe('normalizeImage and freqAuxChannel against torch', () => {
  for (const c of fixture.cases) {
    const image = imageFromBase64(c.data, c.width, c.height, 3);
    const ours = normalizeImage(resizeBilinear(image, c.size, c.size));
    const expectedNormalized = c.normalized === null ? ours : float32FromBase64(c.normalized);
    const expectedAux = float32FromBase64(c.aux);

    if (c.normalized !== null) {
      it(`${c.name}: normalised tensor is bit-identical`, () => {
        expect(maxAbsDifference(ours, expectedNormalized)).toBe(0);
      });
    }

    if (c.size === 1) {
      it(`${c.name}: a 1×1 tensor gives 0 where torch's unbiased std gives NaN`, () => {
        expect(Number.isNaN(expectedAux[0])).toBe(true);
        expect(Array.from(freqAuxChannel(expectedNormalized, 1, 1))).toEqual([0]);
      });
      continue;
    }

    it(`${c.name}: FreqAux matches to 1e-5`, () => {
      const aux = freqAuxChannel(expectedNormalized, c.size, c.size);
      expect(maxAbsDifference(aux, expectedAux)).toBeLessThan(1e-5);
    });

    it(`${c.name}: modelInputTensor(…, 4) is normalised RGB then FreqAux`, () => {
      const tensor = modelInputTensor(image, c.size, 4);
      const plane = c.size * c.size;
      expect(tensor.length).toBe(plane * 4);
      expect(maxAbsDifference(tensor.subarray(0, plane * 3), expectedNormalized)).toBe(0);
      expect(maxAbsDifference(tensor.subarray(plane * 3), expectedAux)).toBeLessThan(1e-5);
      expect(modelInputTensor(image, c.size, 3)).toEqual(expectedNormalized);
    });
  }
});

describe('freqAuxChannel properties', () => {
  it('has mean ~0 and unbiased std ~1 unless the Laplacian is constant', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 2, max: 12 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (width, height, seed) => {
          const plane = width * height;
          const chw = new Float32Array(plane * 3);
          let state = seed;
          for (let i = 0; i < chw.length; i++) {
            state = (state * 1103515245 + 12345) >>> 0;
            chw[i] = ((state >>> 8) % 256) / 255 / IMAGENET_STD[Math.floor(i / plane)] - IMAGENET_MEAN[0];
          }
          const aux = freqAuxChannel(chw, width, height);
          let mean = 0;
          for (const v of aux) mean += v;
          mean /= plane;
          let squares = 0;
          for (const v of aux) squares += (v - mean) ** 2;
          const std = Math.sqrt(squares / (plane - 1));
          expect(Math.abs(mean)).toBeLessThan(1e-4);
          // Either standardised or all-equal magnitudes (then every value is 0).
          if (aux.some((v) => v !== 0)) expect(Math.abs(std - 1)).toBeLessThan(1e-3);
        },
      ),
    );
  });

  it('standardises the border ring of a constant image (zero padding makes its Laplacian non-constant)', () => {
    const chw = new Float32Array(4 * 4 * 3).fill(0.5);
    const aux = freqAuxChannel(chw, 4, 4);
    expect(aux[5]).toBeLessThan(0);
    expect(aux[0]).toBeGreaterThan(0);
  });

  it('rejects short tensors and bad sizes', () => {
    expect(() => freqAuxChannel(new Float32Array(10), 2, 2)).toThrow(OptionError);
    expect(() => freqAuxChannel(new Float32Array(12), 0, 2)).toThrow(/positive integers/);
  });
});

describe('normalizeImage / modelInputTensor errors', () => {
  it('normalizeImage needs RGB', () => {
    expect(() => normalizeImage({ data: new Uint8Array(4), width: 2, height: 2, channels: 1 })).toThrow(
      ImageInputError,
    );
  });
  it('modelInputTensor converts grey input to RGB first', () => {
    const grey = { data: new Uint8Array([0, 64, 128, 255]), width: 2, height: 2, channels: 1 as const };
    const rgb = {
      data: new Uint8Array([0, 0, 0, 64, 64, 64, 128, 128, 128, 255, 255, 255]),
      width: 2,
      height: 2,
      channels: 3 as const,
    };
    expect(modelInputTensor(grey, 3, 4)).toEqual(modelInputTensor(rgb, 3, 4));
  });
  it('modelInputTensor checks channels and size', () => {
    const rgb = { data: new Uint8Array(3), width: 1, height: 1, channels: 3 as const };
    expect(() => modelInputTensor(rgb, 8, 2 as 3)).toThrow(/3 or 4/);
    expect(() => modelInputTensor(rgb, 0, 3)).toThrow(/positive integer/);
  });
});
