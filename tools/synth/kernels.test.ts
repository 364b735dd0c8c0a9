import { describe, expect, it } from 'vitest';
import { convolveImage, isSeparable } from './convolve.js';
import { BLUR_RANGES, drawBlur, trajectoryWithSpread } from './degrade.js';
import {
  type BlurKernel,
  diskKernel,
  gaussianKernel,
  kernelSpread,
  linearMotionKernel,
  trajectoryKernel,
} from './kernels.js';
import { createRng } from './rng.js';

const sum = (k: BlurKernel): number => k.data.reduce((a, b) => a + b, 0);
const at = (k: BlurKernel, x: number, y: number): number => k.data[y * k.size + x] ?? Number.NaN;

/** Centre of mass relative to the kernel centre. */
function centroid(k: BlurKernel): [number, number] {
  const c = (k.size - 1) / 2;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < k.size; y++)
    for (let x = 0; x < k.size; x++) {
      mx += (x - c) * at(k, x, y);
      my += (y - c) * at(k, x, y);
    }
  return [mx, my];
}

describe('blur kernels', () => {
  const kernels: [string, BlurKernel][] = [
    ['disk r=1.5', diskKernel(1.5)],
    ['disk r=7.3', diskKernel(7.3)],
    ['gaussian 1.0', gaussianKernel(1)],
    ['gaussian 4.2', gaussianKernel(4.2)],
    ['linear 4 @ 0', linearMotionKernel(4, 0)],
    ['linear 23 @ 1.1', linearMotionKernel(23, 1.1)],
    ...[1, 2, 3, 4, 5].map((s): [string, BlurKernel] => [
      `trajectory seed ${s}`,
      trajectoryKernel(createRng(s), { length: 5 + 6 * s }),
    ]),
  ];

  it.each(kernels)('%s: odd size, non-negative, sums to 1, centred', (_name, k) => {
    expect(k.size % 2).toBe(1);
    expect(k.data.length).toBe(k.size * k.size);
    expect(Math.min(...k.data)).toBeGreaterThanOrEqual(0);
    expect(sum(k)).toBeCloseTo(1, 12);
    const [mx, my] = centroid(k);
    expect(Math.abs(mx)).toBeLessThan(0.75);
    expect(Math.abs(my)).toBeLessThan(0.75);
  });

  it('disk is symmetric under flips and transposition, and zero outside the radius', () => {
    const k = diskKernel(5.5);
    const n = k.size;
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        expect(at(k, x, y)).toBeCloseTo(at(k, n - 1 - x, y), 15);
        expect(at(k, x, y)).toBeCloseTo(at(k, x, n - 1 - y), 15);
        expect(at(k, x, y)).toBeCloseTo(at(k, y, x), 15);
      }
    const c = (n - 1) / 2;
    expect(at(k, c, c)).toBeGreaterThan(0);
    expect(at(k, 0, 0)).toBe(0);
  });

  it('gaussian is separable, the disk and a motion path are not', () => {
    expect(isSeparable(gaussianKernel(2.5))).toBe(true);
    expect(isSeparable(diskKernel(4))).toBe(false);
    expect(isSeparable(linearMotionKernel(9, 0.7))).toBe(false);
  });

  it('trajectory kernels are deterministic from the seed and differ across seeds', () => {
    const a = trajectoryKernel(createRng(42), { length: 20 });
    const b = trajectoryKernel(createRng(42), { length: 20 });
    const c = trajectoryKernel(createRng(43), { length: 20 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    expect(a.size === c.size && a.data.every((v, i) => v === c.data[i])).toBe(false);
  });

  it('longer paths spread wider: kernel size grows with the length', () => {
    const short = trajectoryKernel(createRng(7), { length: 4, exposure: 1 });
    const long = trajectoryKernel(createRng(7), { length: 30, exposure: 1 });
    expect(long.size).toBeGreaterThan(short.size);
    expect(linearMotionKernel(30, 0).size).toBeGreaterThanOrEqual(31);
  });

  it('kernelSpread is the RMS distance from the centroid (closed forms of the line, disk and Gaussian)', () => {
    expect(kernelSpread(linearMotionKernel(24, 0))).toBeCloseTo(24 / Math.sqrt(12), 0);
    expect(kernelSpread(diskKernel(6))).toBeCloseTo(6 / Math.SQRT2, 0);
    expect(kernelSpread(gaussianKernel(3))).toBeCloseTo(3 * Math.SQRT2, 1);
  });

  it('camera shake is drawn by its spread: every drawn trajectory spreads at least the visible floor', () => {
    // Path length was the old measure: curled paths of 8-36 px spread as little as 0.3 px (barely blurred).
    const rng = createRng(11);
    for (const target of [1.5, 2.5, 4, 6, 8]) {
      const got = kernelSpread(trajectoryWithSpread(rng, target));
      expect(got / target).toBeGreaterThan(0.75);
      expect(got / target).toBeLessThan(1.33);
    }
    let drawn = 0;
    for (let i = 0; i < 200; i++) {
      const blur = drawBlur(rng);
      if (blur.kind !== 'trajectory') continue;
      drawn++;
      expect(kernelSpread(blur.kernel)).toBeGreaterThan(BLUR_RANGES.trajectory.lo * 0.75);
    }
    expect(drawn).toBeGreaterThan(40);
  });

  it('a horizontal linear kernel puts all its mass on the centre row', () => {
    const k = linearMotionKernel(10, 0);
    const c = (k.size - 1) / 2;
    let row = 0;
    for (let x = 0; x < k.size; x++) row += at(k, x, c);
    expect(row).toBeCloseTo(1, 12);
  });
});

describe('convolveImage', () => {
  it('keeps a constant image constant (edges clamped) and a delta becomes the flipped kernel', () => {
    const w = 15;
    const h = 11;
    const flat = new Uint8Array(w * h * 3).fill(77);
    const k = trajectoryKernel(createRng(3), { length: 6 });
    for (const v of convolveImage(flat, w, h, 3, k)) expect(v).toBeCloseTo(77, 4);
    const delta = new Uint8Array(w * h).fill(0);
    delta[5 * w + 7] = 255;
    const out = convolveImage(delta, w, h, 1, linearMotionKernel(4, 0));
    let total = 0;
    for (const v of out) total += v;
    expect(total).toBeCloseTo(255, 1);
  });

  it('separable path equals the direct 2-D sum away from the edges', () => {
    const w = 21;
    const rng = createRng(9);
    const img = new Uint8Array(w * w).map(() => Math.floor(rng.next() * 256));
    const g = gaussianKernel(1.3);
    const fast = convolveImage(img, w, w, 1, g);
    const c = (g.size - 1) / 2;
    const x = 10;
    const y = 10;
    let direct = 0;
    for (let j = 0; j < g.size; j++)
      for (let i = 0; i < g.size; i++) direct += at(g, i, j) * (img[(y - (j - c)) * w + (x - (i - c))] ?? 0);
    expect(fast[y * w + x]).toBeCloseTo(direct, 3);
  });
});

describe('rng', () => {
  it('is deterministic and uniform-ish', () => {
    const a = createRng(5);
    const b = createRng(5);
    const xs = Array.from({ length: 2000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 2000 }, () => b.next()));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
