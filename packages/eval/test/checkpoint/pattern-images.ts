// The pattern images of tools/fixtures/make_checkpoint_fixtures.py (`pattern_image`), rebuilt bit for bit,
// and the reference's normalisation and FreqAux, so tests feed the converted model what PyTorch was fed.

const MEAN = [0.485, 0.456, 0.406].map(Math.fround);
const STD = [0.229, 0.224, 0.225].map(Math.fround);
const LUMA = [0.2989, 0.587, 0.114];

/** Pixel (x, y, c) of pattern `kind` (0 checker, 1 gradient, 2 rings) at size s×s. */
function patternPixel(kind: number, x: number, y: number, c: number, s: number): number {
  if (kind === 0) {
    const base = ((x >> 3) + (y >> 3)) & 1 ? 200 : 40;
    return (base + ((x * 31 + y * 17 + c * 7 + ((x * y) % 13)) % 32)) % 256;
  }
  if (kind === 1) return (Math.floor((x * 180 + y * 60) / (s - 1)) + c * 20) % 256;
  const cx = x - Math.floor(s / 2);
  const cy = y - Math.floor(s / 2);
  return Math.abs((((cx * cx + cy * cy) >> 5) % 128) - 64) * 3 + c * 10 + ((x * 7 + y * 13 + c * 5) % 9);
}

/** The normalised CHW float32 tensor PyTorch computed: float32 ops in the same order (x/255 − mean) / std. */
export function normalisedPattern(kind: number, s: number): Float32Array {
  const out = new Float32Array(3 * s * s);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        const v = Math.fround(patternPixel(kind, x, y, c, s) / 255);
        out[c * s * s + y * s + x] = Math.fround(Math.fround(v - (MEAN[c] as number)) / (STD[c] as number));
      }
    }
  }
  return out;
}

/** concat([x, FreqAux(x)]) of docs/reference-arithmetic.md §1.3, in float64 (PyTorch works in float32; the gap is ~1e-6). */
export function withFreqAux(chw: Float32Array, s: number): Float32Array {
  const n = s * s;
  const luma = new Float64Array(n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++)
      luma[i] =
        (luma[i] as number) +
        ((chw[c * n + i] as number) * (STD[c] as number) + (MEAN[c] as number)) * (LUMA[c] as number);
  }
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= s || y >= s ? 0 : (luma[y * s + x] as number));
  const magnitude = new Float64Array(n);
  let sum = 0;
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const m = Math.abs(at(x, y - 1) + at(x - 1, y) - 4 * at(x, y) + at(x + 1, y) + at(x, y + 1));
      magnitude[y * s + x] = m;
      sum += m;
    }
  }
  const mean = sum / n;
  let squares = 0;
  for (const m of magnitude) squares += (m - mean) ** 2;
  const sigma = Math.max(Math.sqrt(squares / (n - 1)), 1e-6);
  const out = new Float32Array(4 * n);
  out.set(chw);
  for (let i = 0; i < n; i++) out[3 * n + i] = ((magnitude[i] as number) - mean) / sigma;
  return out;
}
