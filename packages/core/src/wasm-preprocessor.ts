import { standardization } from './freq-aux.js';
import type { PixelImage } from './pixel-image.js';
import type { ModelInputPool } from './model-input-pool.js';
import { ensureMemory, type PreprocessKernels } from './preprocess-kernels.js';
import {
  CoefficientCache,
  checkModelInput,
  checkResize,
  type PreparedImage,
  type Preprocessor,
  rgbCopy,
  rgbOrRgba,
} from './preprocessor.js';
import { type AxisCoefficients, axisCoefficients } from './resize-bilinear.js';

/** Slack after every buffer: the kernels' vector loads and stores may run up to 16 bytes past an end. */
const SLACK = 16;
/** Above this many taps (a > ~2000× downscale) the split-weight sums could overflow i32: the JS path runs. */
const MAX_TAPS = 4000;

/**
 * Larger sources (over 50 MP RGBA) take the JS path: WebAssembly memory never shrinks, and a gate should not keep
 * hundreds of megabytes for the rare giant image.
 */
const MAX_SOURCE_BYTES = 200 * 1024 * 1024;

const align = (n: number): number => (n + 15) & ~15;

/** Rows per block of the transposing horizontal kernel (`resampleHorizontalBlocks`): one 16-byte vector's lanes. */
const BLOCK_ROWS = 16;

/**
 * RGB sources up to this size keep their transposed row blocks in memory for all the scales of one prepared image
 * (as much memory again as the source); larger ones are transposed block by block at every scale.
 */
const MAX_TRANSPOSED_BYTES = 48 * 1024 * 1024;

/** A 22-bit weight's low 11 bits and the rest, the two i16 halves the kernels' dot products take. */
const low = (k: number): number => k & 2047;
const high = (k: number): number => k >> 11;

/** An axis in the kernels' horizontal layout: groups of four taps, four i16x8 vectors each (see the kernel). */
interface HorizontalAxis {
  readonly axis: AxisCoefficients;
  /** Tap groups per output pixel. */
  readonly groups: Int32Array;
  /** Per group: taps 0-1 low 11 bits, taps 0-1 high bits, taps 2-3 low, taps 2-3 high; lanes [t0, t1] × 3, 0, 0. */
  readonly packed: Int16Array;
}

function horizontalAxis(inSize: number, outSize: number): HorizontalAxis {
  const axis = axisCoefficients(inSize, outSize);
  const groups = new Int32Array(outSize);
  let total = 0;
  for (let x = 0; x < outSize; x++) {
    groups[x] = (axis.sizes[x] + 3) >> 2;
    total += groups[x];
  }
  const packed = new Int16Array(total * 32);
  let o = 0;
  for (let x = 0; x < outSize; x++) {
    const base = x * axis.taps;
    const weight = (j: number): number => (j < axis.sizes[x] ? axis.weights[base + j] : 0);
    for (let g = 0; g < groups[x]; g++) {
      for (let half = 0; half < 2; half++) {
        const k0 = weight(4 * g + 2 * half);
        const k1 = weight(4 * g + 2 * half + 1);
        const at = o + half * 16;
        for (let lane = 0; lane < 3; lane++) {
          packed[at + 2 * lane] = low(k0);
          packed[at + 2 * lane + 1] = low(k1);
          packed[at + 8 + 2 * lane] = high(k0);
          packed[at + 8 + 2 * lane + 1] = high(k1);
        }
      }
      o += 32;
    }
  }
  return { axis, groups, packed };
}

/** An axis in the kernels' vertical layout: per output row, tap pairs as two i32 (low, high 11-bit halves, two i16 each). */
interface VerticalAxis {
  readonly axis: AxisCoefficients;
  /** Pair slots per output row (the same for every row). */
  readonly rowPairs: number;
  readonly packed: Int32Array;
}

function verticalAxis(inSize: number, outSize: number): VerticalAxis {
  const axis = axisCoefficients(inSize, outSize);
  const rowPairs = (axis.taps + 1) >> 1;
  const packed = new Int32Array(outSize * rowPairs * 2);
  for (let y = 0; y < outSize; y++) {
    const base = y * axis.taps;
    for (let j = 0; j < axis.sizes[y]; j += 2) {
      const k0 = axis.weights[base + j];
      const k1 = j + 1 < axis.sizes[y] ? axis.weights[base + j + 1] : 0;
      const at = (y * rowPairs + (j >> 1)) * 2;
      packed[at] = low(k0) | (low(k1) << 16);
      packed[at + 1] = high(k0) | (high(k1) << 16);
    }
  }
  return { axis, rowPairs, packed };
}

/**
 * The WebAssembly SIMD backend of {@link Preprocessor}: the image is copied into the module's memory once per
 * {@link PreparedImage} (re-copied only if another image was processed in between), the passes run in the module,
 * and each model input is copied out into a Float32Array the caller owns (fresh, or one given back through
 * `recycle`; the caller may hold it across awaits).
 * Requests the kernels do not cover (an image that is already `size` wide with alpha, absurd downscales, sources over
 * {@link MAX_SOURCE_BYTES}) use `js`. The module's memory grows to the largest image it has processed.
 * `maxTransposedBytes`: RGB sources up to this size keep their transposed row blocks between scales (tests pass 0
 * to run the block-by-block path on small images).
 */
export function createWasmPreprocessor(
  kernels: PreprocessKernels,
  js: Preprocessor,
  pool: ModelInputPool,
  maxTransposedBytes = MAX_TRANSPOSED_BYTES,
): Preprocessor {
  const { exports: k, tables, heapBase } = kernels;
  const horizontal = new CoefficientCache(horizontalAxis);
  const vertical = new CoefficientCache(verticalAxis);
  /** Which prepared image's pixels are in memory at heapBase. */
  let resident: object | null = null;

  return {
    backend: 'wasm-simd',
    recycle: (input: Float32Array): void => pool.give(input),
    prepare(image: PixelImage): PreparedImage {
      const source = rgbOrRgba(image);
      const { width, height, channels } = source;
      const token = {};
      const sourceBytes = width * height * channels;
      // A row of slack after the source: the vertical pass may read one row past its last tap (with weight 0).
      const sourceEnd = align(heapBase + sourceBytes + width * channels + SLACK);
      // Then the transposed row blocks (transposeRows), made at the first horizontal pass and kept for the other
      // scales while this image is resident; 48 bytes of slack for the one-pixel-past read at the right edge.
      const cachedBlocks = channels === 3 && sourceBytes <= maxTransposedBytes ? Math.floor(height / BLOCK_ROWS) : 0;
      const transposedBytes = cachedBlocks * Math.ceil((width * 3) / 16) * 256;
      const heap = cachedBlocks > 0 ? align(sourceEnd + transposedBytes + 48 + SLACK) : sourceEnd;
      let transposedReady = false;
      let fallback: PreparedImage | null = null;
      const viaJs = (): PreparedImage => {
        fallback ??= js.prepare(source);
        return fallback;
      };
      /** Whether the kernels cover this resize (else the JS path runs). */
      const covered = (outWidth: number, outHeight: number): boolean =>
        (width !== outWidth || channels === 3) &&
        width / outWidth < MAX_TAPS / 2 &&
        height / outHeight < MAX_TAPS / 2 &&
        sourceBytes <= MAX_SOURCE_BYTES;

      /**
       * Runs the resize in the module. Returns the byte offset of the RGB result (the source itself when no axis
       * changes) and the first free offset after it, where the caller may lay out more buffers.
       */
      const resize = (outWidth: number, outHeight: number, extraBytes: number): { rgb: number; free: number } => {
        const h = width !== outWidth ? horizontal.get(width, outWidth) : null;
        const v = height !== outHeight ? vertical.get(height, outHeight) : null;
        const firstRow = v ? v.axis.starts[0] : 0;
        const rows = v ? v.axis.starts[outHeight - 1] + v.axis.sizes[outHeight - 1] - firstRow : height;
        // RGB rows go 16 at a time through the transposing kernel (the rest, and RGBA, through the plain one); it
        // takes the horizontal axis in the vertical layout.
        const blocks = h && channels === 3 ? Math.floor(rows / BLOCK_ROWS) : 0;
        const hv = blocks > 0 ? vertical.get(width, outWidth) : null;
        let at = heap;
        const take = (bytes: number): number => {
          const start = at;
          at = align(at + bytes + SLACK);
          return start;
        };
        const hStarts = take(h ? outWidth * 4 : 0);
        const hGroups = take(h ? outWidth * 4 : 0);
        const hWeights = take(h ? h.packed.byteLength : 0);
        const vStarts = take(v ? outHeight * 4 : 0);
        const vSizes = take(v ? outHeight * 4 : 0);
        const vWeights = take(v ? v.packed.byteLength : 0);
        const hvStarts = take(hv ? outWidth * 4 : 0);
        const hvSizes = take(hv ? outWidth * 4 : 0);
        const hvWeights = take(hv ? hv.packed.byteLength : 0);
        // Blocks transposed once per image (all rows from the first: firstRow is always 0 for this filter), else
        // block by block into `block`.
        const cached = hv !== null && cachedBlocks > 0 && firstRow === 0;
        const block = take(hv && !cached ? Math.max(Math.ceil((width * 3) / 16) * 256, (width + 1) * 48) : 0);
        const outBlock = take(hv ? Math.ceil((outWidth * 3) / 16) * 256 : 0);
        const between = take(h && v ? outWidth * (rows + 1) * 3 : 0);
        const resized = take(h || v ? outWidth * outHeight * 3 : 0);
        ensureMemory(k.memory, at + extraBytes);
        const buffer = k.memory.buffer;
        if (resident !== token) {
          new Uint8Array(buffer, heapBase, sourceBytes).set(source.data);
          resident = token;
          // Another image may have used the transposed blocks' memory since.
          transposedReady = false;
        }
        let rgb = heapBase;
        if (h) {
          rgb = v ? between : resized;
          const stride = width * channels;
          const first = heapBase + firstRow * stride;
          if (hv) {
            const starts = new Int32Array(buffer, hvStarts, outWidth);
            for (let x = 0; x < outWidth; x++) starts[x] = hv.axis.starts[x] * 48;
            new Int32Array(buffer, hvSizes, outWidth).set(hv.axis.sizes);
            new Int32Array(buffer, hvWeights, hv.packed.length).set(hv.packed);
            if (cached && !transposedReady) {
              k.transposeRows(heapBase, stride, stride, cachedBlocks, sourceEnd);
              transposedReady = true;
            }
            k.resampleHorizontalBlocks(
              first,
              stride,
              stride,
              blocks,
              outWidth,
              hvStarts,
              hvSizes,
              hvWeights,
              hv.rowPairs,
              cached ? sourceEnd : 0,
              block,
              outBlock,
              rgb,
            );
          }
          const done = blocks * BLOCK_ROWS;
          if (done < rows) {
            const starts = new Int32Array(buffer, hStarts, outWidth);
            for (let x = 0; x < outWidth; x++) starts[x] = h.axis.starts[x] * channels;
            new Int32Array(buffer, hGroups, outWidth).set(h.groups);
            new Int16Array(buffer, hWeights, h.packed.length).set(h.packed);
            k.resampleHorizontal(
              first + done * stride,
              stride,
              channels,
              rows - done,
              outWidth,
              hStarts,
              hGroups,
              hWeights,
              rgb + done * outWidth * 3,
            );
          }
        }
        if (v) {
          const stride = outWidth * 3;
          const shift = h ? firstRow : 0;
          const starts = new Int32Array(buffer, vStarts, outHeight);
          for (let y = 0; y < outHeight; y++) starts[y] = (v.axis.starts[y] - shift) * stride;
          new Int32Array(buffer, vSizes, outHeight).set(v.axis.sizes);
          new Int32Array(buffer, vWeights, v.packed.length).set(v.packed);
          k.resampleVertical(rgb, stride, outHeight, vStarts, vSizes, vWeights, v.rowPairs, resized);
          rgb = resized;
        }
        return { rgb, free: at };
      };

      return {
        modelInput(size: number, modelChannels: 3 | 4): Float32Array {
          checkModelInput(size, modelChannels);
          if (!covered(size, size)) return viaJs().modelInput(size, modelChannels);
          const plane = size * size;
          const { rgb, free } = resize(size, size, align(plane * 16 + SLACK) + plane * 4 + SLACK);
          const tensor = free;
          const luma = align(tensor + plane * 16 + SLACK);
          if (modelChannels === 3) {
            k.normalizeOnly(rgb, plane, tables, tensor);
          } else {
            k.normalizeAndLuma(rgb, plane, tables, tensor, luma);
            const aux = tensor + plane * 12;
            const mean = k.laplacianMagnitude(luma, size, size, aux) / plane;
            const squares = k.sumSquaredDeviations(aux, plane, mean);
            const [mu, sigma] = standardization(mean, squares, plane);
            k.standardize(aux, plane, mu, sigma);
          }
          // Take (a recycled array, or a new one) and set: V8's slice() of a view on WebAssembly memory is about twice
          // as slow as a new array and set().
          const result = pool.take(plane * modelChannels);
          result.set(new Float32Array(k.memory.buffer, tensor, plane * modelChannels));
          return result;
        },
        resized(outWidth: number, outHeight: number): PixelImage {
          checkResize(outWidth, outHeight);
          if (!covered(outWidth, outHeight)) return viaJs().resized(outWidth, outHeight);
          const { rgb } = resize(outWidth, outHeight, 0);
          const stride = rgb === heapBase ? channels : 3;
          return rgbCopy(
            new Uint8Array(k.memory.buffer, rgb, outWidth * outHeight * stride),
            stride,
            outWidth,
            outHeight,
          );
        },
      };
    },
  };
}
