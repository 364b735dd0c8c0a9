/**
 * Blur point-spread functions (PSFs), all normalised to sum 1, odd square size, centred.
 * Camera shake follows the random-trajectory model of Boracchi & Foi, "Modeling the performance of image
 * restoration from motion blur" (IEEE TIP 2012): a particle with inertia, random Gaussian jitter, a
 * centripetal pull and occasional abrupt shakes, sampled over the exposure and splatted onto a grid.
 */
import type { Rng } from './rng.js';

export interface BlurKernel {
  /** Odd side length. */
  readonly size: number;
  /** Row-major weights, sum 1. */
  readonly data: Float64Array;
}

function emptyKernel(radius: number): { size: number; data: Float64Array } {
  const size = 2 * Math.max(1, Math.ceil(radius)) + 1;
  return { size, data: new Float64Array(size * size) };
}

function normalise(kernel: { size: number; data: Float64Array }): BlurKernel {
  let sum = 0;
  for (const v of kernel.data) sum += v;
  if (!(sum > 0)) throw new Error('kernel has no mass');
  for (let i = 0; i < kernel.data.length; i++) kernel.data[i] = (kernel.data[i] ?? 0) / sum;
  return kernel;
}

/** Adds `weight` at sub-pixel (x, y) relative to the centre with bilinear splatting (anti-aliased paths). */
function splat(kernel: { size: number; data: Float64Array }, x: number, y: number, weight: number): void {
  const c = (kernel.size - 1) / 2;
  const fx = x + c;
  const fy = y + c;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const ax = fx - x0;
  const ay = fy - y0;
  const put = (xi: number, yi: number, w: number): void => {
    if (xi < 0 || yi < 0 || xi >= kernel.size || yi >= kernel.size || w === 0) return;
    kernel.data[yi * kernel.size + xi] = (kernel.data[yi * kernel.size + xi] ?? 0) + w * weight;
  };
  put(x0, y0, (1 - ax) * (1 - ay));
  put(x0 + 1, y0, ax * (1 - ay));
  put(x0, y0 + 1, (1 - ax) * ay);
  put(x0 + 1, y0 + 1, ax * ay);
}

/** Splats a polyline of points (already centred) into a kernel just large enough to hold it. */
function kernelFromPoints(xs: readonly number[], ys: readonly number[]): BlurKernel {
  let extent = 0;
  for (let i = 0; i < xs.length; i++) extent = Math.max(extent, Math.abs(xs[i] ?? 0), Math.abs(ys[i] ?? 0));
  const kernel = emptyKernel(extent + 1);
  for (let i = 0; i < xs.length; i++) splat(kernel, xs[i] ?? 0, ys[i] ?? 0, 1);
  return normalise(kernel);
}

/** Uniform linear motion of `length` pixels at `angle` radians. */
export function linearMotionKernel(length: number, angle: number): BlurKernel {
  const steps = Math.max(2, Math.ceil(length * 4));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t = i / steps - 0.5;
    xs.push(t * length * Math.cos(angle));
    ys.push(t * length * Math.sin(angle));
  }
  return kernelFromPoints(xs, ys);
}

/** Defocus: a uniform disk of `radius` pixels, edge pixels weighted by their covered area (4x4 supersampling). */
export function diskKernel(radius: number): BlurKernel {
  const kernel = emptyKernel(radius + 0.5);
  const c = (kernel.size - 1) / 2;
  const sub = 4;
  for (let y = 0; y < kernel.size; y++) {
    for (let x = 0; x < kernel.size; x++) {
      let covered = 0;
      for (let sy = 0; sy < sub; sy++) {
        for (let sx = 0; sx < sub; sx++) {
          const dx = x - c - 0.5 + (sx + 0.5) / sub;
          const dy = y - c - 0.5 + (sy + 0.5) / sub;
          if (dx * dx + dy * dy <= radius * radius) covered++;
        }
      }
      kernel.data[y * kernel.size + x] = covered;
    }
  }
  return normalise(kernel);
}

/** Isotropic Gaussian with standard deviation `sigma`, truncated at 3 sigma. */
export function gaussianKernel(sigma: number): BlurKernel {
  const kernel = emptyKernel(3 * sigma);
  const c = (kernel.size - 1) / 2;
  for (let y = 0; y < kernel.size; y++) {
    for (let x = 0; x < kernel.size; x++) {
      kernel.data[y * kernel.size + x] = Math.exp(-((x - c) ** 2 + (y - c) ** 2) / (2 * sigma * sigma));
    }
  }
  return normalise(kernel);
}

/**
 * Root-mean-square distance of the kernel's mass from its centroid, in pixels: how far a point spreads,
 * whatever the kernel's shape (a straight path of length L: L / sqrt(12); a disk of radius r: r / sqrt(2);
 * a Gaussian of sigma s: s * sqrt(2)).
 */
export function kernelSpread(kernel: BlurKernel): number {
  const c = (kernel.size - 1) / 2;
  let mx = 0;
  let my = 0;
  let m2 = 0;
  for (let y = 0; y < kernel.size; y++) {
    for (let x = 0; x < kernel.size; x++) {
      const w = kernel.data[y * kernel.size + x] ?? 0;
      mx += w * (x - c);
      my += w * (y - c);
      m2 += w * ((x - c) ** 2 + (y - c) ** 2);
    }
  }
  return Math.sqrt(Math.max(0, m2 - mx * mx - my * my));
}

/** Parameters of the Boracchi-Foi trajectory; defaults draw them at random as in their reference code. */
export interface TrajectoryOptions {
  /** Total path length in pixels (the blur's extent). */
  readonly length: number;
  /** Number of trajectory samples. */
  readonly samples?: number;
  /** Fraction of the trajectory inside the exposure (0-1]. */
  readonly exposure?: number;
}

/** Camera-shake PSF along a random trajectory (Boracchi & Foi 2012), centred on its centroid. */
export function trajectoryKernel(rng: Rng, options: TrajectoryOptions): BlurKernel {
  const samples = options.samples ?? 500;
  const exposure = options.exposure ?? rng.uniform(0.5, 1);
  const anxiety = 0.1 * rng.next();
  const centripetal = 0.7 * rng.next();
  const gaussianTerm = 10 * rng.next();
  const freqBigShakes = 0.2 * rng.next();
  const step = options.length / (samples - 1);
  const angle = 2 * Math.PI * rng.next();
  let vx = Math.cos(angle) * step;
  let vy = Math.sin(angle) * step;
  const xs = [0];
  const ys = [0];
  for (let t = 0; t < samples - 1; t++) {
    let dvx = 0;
    let dvy = 0;
    if (rng.next() < freqBigShakes * anxiety) {
      // An abrupt shake: reverse the velocity with a random twist.
      const twist = Math.PI + (rng.next() - 0.5);
      dvx = 2 * (vx * Math.cos(twist) - vy * Math.sin(twist));
      dvy = 2 * (vx * Math.sin(twist) + vy * Math.cos(twist));
    }
    const x = xs[t] ?? 0;
    const y = ys[t] ?? 0;
    dvx += anxiety * (gaussianTerm * rng.normal() - centripetal * x) * step;
    dvy += anxiety * (gaussianTerm * rng.normal() - centripetal * y) * step;
    vx += dvx;
    vy += dvy;
    const speed = Math.hypot(vx, vy) || 1;
    vx = (vx / speed) * step;
    vy = (vy / speed) * step;
    xs.push(x + vx);
    ys.push(y + vy);
  }
  const kept = Math.max(2, Math.round(samples * exposure));
  const px = xs.slice(0, kept);
  const py = ys.slice(0, kept);
  const mx = px.reduce((a, b) => a + b, 0) / kept;
  const my = py.reduce((a, b) => a + b, 0) / kept;
  return kernelFromPoints(
    px.map((v) => v - mx),
    py.map((v) => v - my),
  );
}
