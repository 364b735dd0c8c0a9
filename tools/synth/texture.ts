/**
 * Variance of the 4-neighbour Laplacian of the luma (OpenCV `Laplacian(gray, CV_64F).var()` semantics with
 * reflect-101 borders), used to keep only textured tiles as "sharp". Kept local to tools so synthesis does
 * not depend on core's build; same arithmetic as core's `laplacianVariance`.
 */
export function laplacianVarianceRgb(pixels: Uint8Array, width: number, height: number, channels: number): number {
  const gray = new Float64Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    // OpenCV's RGB->GRAY weights, rounded to 8 bits as cvtColor does.
    gray[i] = Math.round(0.299 * (pixels[p] ?? 0) + 0.587 * (pixels[p + 1] ?? 0) + 0.114 * (pixels[p + 2] ?? 0));
  }
  const reflect = (v: number, n: number): number =>
    v < 0 ? Math.min(-v, n - 1) : v >= n ? Math.max(2 * n - v - 2, 0) : v;
  let sum = 0;
  let sumSq = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = (xx: number, yy: number): number => gray[reflect(yy, height) * width + reflect(xx, width)] ?? 0;
      const lap = g(x - 1, y) + g(x + 1, y) + g(x, y - 1) + g(x, y + 1) - 4 * g(x, y);
      sum += lap;
      sumSq += lap * lap;
    }
  }
  const n = width * height;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}
