import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OptionError, resolveThresholds, routePrediction, softmax } from '../src/index.js';

describe('softmax', () => {
  it('matches the definition and sums to 1', () => {
    const [a, b] = softmax([1, 3]);
    expect(a).toBeCloseTo(Math.exp(1) / (Math.exp(1) + Math.exp(3)), 15);
    expect(a + b).toBeCloseTo(1, 15);
  });
  it('is stable for huge logits', () => {
    expect(softmax([1000, 1000])).toEqual([0.5, 0.5]);
    const [sharp, blurred] = softmax([-1e4, 1e4]);
    expect(sharp).toBe(0);
    expect(blurred).toBe(1);
  });
  it('is invariant to adding a constant', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        (x, y, shift) => {
          const [p] = softmax([x, y]);
          const [q] = softmax([x + shift, y + shift]);
          expect(Math.abs(p - q)).toBeLessThan(1e-9);
        },
      ),
    );
  });
  it('returns [] for no logits', () => {
    expect(softmax([])).toEqual([]);
  });
});

describe('resolveThresholds', () => {
  it('fills in 0.60 and 0.50', () => {
    expect(resolveThresholds()).toEqual({ confidenceThreshold: 0.6, blurThreshold: 0.5 });
    expect(resolveThresholds({ blurThreshold: 0.3 })).toEqual({ confidenceThreshold: 0.6, blurThreshold: 0.3 });
  });
  it.each([
    [{ confidenceThreshold: -0.1 }, 'confidenceThreshold'],
    [{ confidenceThreshold: Number.NaN }, 'confidenceThreshold'],
    [{ blurThreshold: 2 }, 'blurThreshold'],
    [{ blurThreshold: '0.5' as unknown as number }, 'blurThreshold'],
  ])('refuses %o naming %s', (partial, name) => {
    expect(() => resolveThresholds(partial)).toThrow(OptionError);
    expect(() => resolveThresholds(partial)).toThrow(new RegExp(`^${name} must be a number between 0 and 1`));
  });
});

describe('routePrediction', () => {
  const defaults = resolveThresholds();
  it('follows docs/reference-arithmetic.md §1.6 at the boundaries', () => {
    expect(routePrediction(0.4, 0.6, defaults)).toEqual({ label: 'blurred', confidence: 0.6 });
    expect(routePrediction(0.6, 0.4, defaults)).toEqual({ label: 'sharp', confidence: 0.6 });
    expect(routePrediction(0.41, 0.59, defaults)).toEqual({ label: 'uncertain', confidence: 0.59 });
    expect(routePrediction(0.5, 0.5, { confidenceThreshold: 0.5, blurThreshold: 0.5 }).label).toBe('blurred');
  });
  it('is consistent with the thresholds for any probabilities', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (pBlurred, confidenceThreshold, blurThreshold) => {
          const pSharp = 1 - pBlurred;
          const { label, confidence } = routePrediction(pSharp, pBlurred, { confidenceThreshold, blurThreshold });
          expect(confidence).toBe(Math.max(pSharp, pBlurred));
          if (label === 'uncertain') expect(confidence).toBeLessThan(confidenceThreshold);
          else expect(confidence).toBeGreaterThanOrEqual(confidenceThreshold);
          if (label === 'blurred') expect(pBlurred).toBeGreaterThanOrEqual(blurThreshold);
          if (label === 'sharp') expect(pBlurred).toBeLessThan(blurThreshold);
        },
      ),
    );
  });
});
