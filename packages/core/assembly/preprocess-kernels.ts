// AssemblyScript source of the WebAssembly SIMD preprocessing kernels (built to dist/ by `pnpm build`,
// see scripts/build-kernels.mjs). The arithmetic is that of src/resize-bilinear.ts, src/normalize-image.ts and
// src/freq-aux.ts, lane for lane; src/preprocess-kernels.ts owns the memory layout and calls these.
// Every pointer is a byte offset into this module's memory; the caller leaves 16 bytes of slack after
// every buffer, so the vector loads and stores below may run past a row or buffer end.

const HALF: i32 = 1 << 21;

// The byte spreads below are swizzles with constant masks (a lane of -128 reads as 0): V8 compiles those to one
// `pshufb`, where a two-input shuffle with a zero vector costs two shuffles and an `or` on x64 (the pass measured
// about 15% faster on 1920×1080 RGB).

/** Taps 0-1 of one group as i16 lanes [c0 t0, c0 t1, c1 t0, c1 t1, c2 t0, c2 t1, 0, 0] (3 or 4 bytes a pixel). */
@inline
function spreadTaps01(v: v128, channels: i32): v128 {
  if (channels === 3) return i8x16.swizzle(v, i8x16(0, -128, 3, -128, 1, -128, 4, -128, 2, -128, 5, -128, -128, -128, -128, -128));
  return i8x16.swizzle(v, i8x16(0, -128, 4, -128, 1, -128, 5, -128, 2, -128, 6, -128, -128, -128, -128, -128));
}

/** Taps 2-3 of one group, likewise. */
@inline
function spreadTaps23(v: v128, channels: i32): v128 {
  if (channels === 3) return i8x16.swizzle(v, i8x16(6, -128, 9, -128, 7, -128, 10, -128, 8, -128, 11, -128, -128, -128, -128, -128));
  return i8x16.swizzle(v, i8x16(8, -128, 12, -128, 9, -128, 13, -128, 10, -128, 14, -128, -128, -128, -128, -128));
}

/**
 * The horizontal pass for one source layout: `channels` is a constant where this is inlined, so the layout's
 * branches fold away and each layout gets its own loop. (Two rows per pass, sharing each weight load and each
 * pixel's start and group count, measured 4-10% slower in node 20: V8 spills SIMD registers in that loop.)
 */
@inline
function horizontalRows(
  src: usize,
  srcStride: i32,
  channels: i32,
  rows: i32,
  outWidth: i32,
  starts: usize,
  groups: usize,
  weights: usize,
  dst: usize,
): void {
  const zero = i32x4.splat(0);
  const half = i32x4.splat(HALF);
  const step: usize = <usize>(channels * 4);
  let o = dst;
  for (let y = 0; y < rows; y++) {
    const row = src + <usize>(y * srcStride);
    let w = weights;
    for (let x = 0; x < outWidth; x++) {
      let p = row + <usize>load<i32>(starts + (<usize>x << 2));
      let n = load<i32>(groups + (<usize>x << 2));
      let lo = zero;
      let hi = zero;
      for (; n > 0; n--) {
        const v = v128.load(p);
        const a = spreadTaps01(v, channels);
        const b = spreadTaps23(v, channels);
        lo = i32x4.add(lo, i32x4.add(i32x4.dot_i16x8_s(a, v128.load(w)), i32x4.dot_i16x8_s(b, v128.load(w, 32))));
        hi = i32x4.add(hi, i32x4.add(i32x4.dot_i16x8_s(a, v128.load(w, 16)), i32x4.dot_i16x8_s(b, v128.load(w, 48))));
        w += 64;
        p += step;
      }
      const sum = i32x4.add(i32x4.add(lo, half), i32x4.shl(hi, 11));
      // Pillow's clip8: shift, then saturate to 0..255 (the two narrowing steps saturate).
      const bytes = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(i32x4.shr_s(sum, 22), zero), zero);
      v128.store32_lane(o, bytes, 0);
      o += 3;
    }
  }
}

/**
 * Pillow's horizontal pass for RGB (3) or RGBA (4, alpha dropped) input, RGB out: `rows` rows of `srcStride` bytes
 * from `src` into `rows × outWidth` RGB at `dst`. Weights come in groups of four taps, four v128 each: i16 lanes
 * [lo0, lo1, lo0, lo1, lo0, lo1, 0, 0], the same for hi, then taps 2-3, where a 22-bit weight is `hi << 11 | lo`
 * (missing taps weigh 0). `i32x4.dot_i16x8_s` sums two taps of the three channels at once, and
 * `HALF + lo + (hi << 11)` is the exact integer sum Pillow computes (no lane overflows below 4096 taps).
 */
export function resampleHorizontal(
  src: usize,
  srcStride: i32,
  srcChannels: i32,
  rows: i32,
  outWidth: i32,
  starts: usize,
  groups: usize,
  weights: usize,
  dst: usize,
): void {
  if (srcChannels === 3) horizontalRows(src, srcStride, 3, rows, outWidth, starts, groups, weights, dst);
  else horizontalRows(src, srcStride, 4, rows, outWidth, starts, groups, weights, dst);
}

/**
 * Pillow's vertical pass: output row y is the weighted sum of `sizes[y]` rows from byte offset `starts[y]` of `src`.
 * Weights come per row as tap pairs of two i32 (`rowPairs` pairs per row): the low 11 bits of both taps as two i16
 * ([lo0, lo1]) and the high bits likewise, so `i32x4.dot_i16x8_s` on two interleaved rows sums two taps of four
 * columns at once; 16 columns per step in eight accumulators, summed exactly as in the horizontal pass. An odd
 * tap count ends with a pair whose second weight is 0, reading one row more: `src` needs a row of slack.
 */
export function resampleVertical(
  src: usize,
  stride: i32,
  outHeight: i32,
  starts: usize,
  sizes: usize,
  weights: usize,
  rowPairs: i32,
  dst: usize,
): void {
  verticalPass(src, stride, outHeight, starts, sizes, weights, rowPairs, dst);
}

/** The vertical pass (see {@link resampleVertical}); inlined there and in {@link resampleHorizontalBlocks}. */
@inline
function verticalPass(
  src: usize,
  stride: i32,
  outHeight: i32,
  starts: usize,
  sizes: usize,
  weights: usize,
  rowPairs: i32,
  dst: usize,
): void {
  const zero = i32x4.splat(0);
  const half = i32x4.splat(HALF);
  const rowStep: usize = <usize>stride;
  for (let y = 0; y < outHeight; y++) {
    const first = src + <usize>load<i32>(starts + (<usize>y << 2));
    const count = load<i32>(sizes + (<usize>y << 2));
    // An odd count's last pair reads one row past its taps with weight 0: the caller leaves a row of slack.
    const pairs = (count + 1) >> 1;
    const k = weights + <usize>(y * rowPairs * 8);
    const o = dst + <usize>(y * stride);
    for (let i = 0; i < stride; i += 16) {
      let l0 = zero;
      let l1 = zero;
      let l2 = zero;
      let l3 = zero;
      let h0 = zero;
      let h1 = zero;
      let h2 = zero;
      let h3 = zero;
      let p = first + <usize>i;
      let w = k;
      for (let j = 0; j < pairs; j++) {
        const lo = v128.load32_splat(w);
        const hi = v128.load32_splat(w, 4);
        const a = v128.load(p);
        const b = v128.load(p + rowStep);
        const il = i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const ih = i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const e0 = i16x8.extend_low_i8x16_u(il);
        const e1 = i16x8.extend_high_i8x16_u(il);
        const e2 = i16x8.extend_low_i8x16_u(ih);
        const e3 = i16x8.extend_high_i8x16_u(ih);
        l0 = i32x4.add(l0, i32x4.dot_i16x8_s(e0, lo));
        l1 = i32x4.add(l1, i32x4.dot_i16x8_s(e1, lo));
        l2 = i32x4.add(l2, i32x4.dot_i16x8_s(e2, lo));
        l3 = i32x4.add(l3, i32x4.dot_i16x8_s(e3, lo));
        h0 = i32x4.add(h0, i32x4.dot_i16x8_s(e0, hi));
        h1 = i32x4.add(h1, i32x4.dot_i16x8_s(e1, hi));
        h2 = i32x4.add(h2, i32x4.dot_i16x8_s(e2, hi));
        h3 = i32x4.add(h3, i32x4.dot_i16x8_s(e3, hi));
        p += rowStep * 2;
        w += 8;
      }
      const s0 = i32x4.shr_s(i32x4.add(i32x4.add(l0, half), i32x4.shl(h0, 11)), 22);
      const s1 = i32x4.shr_s(i32x4.add(i32x4.add(l1, half), i32x4.shl(h1, 11)), 22);
      const s2 = i32x4.shr_s(i32x4.add(i32x4.add(l2, half), i32x4.shl(h2, 11)), 22);
      const s3 = i32x4.shr_s(i32x4.add(i32x4.add(l3, half), i32x4.shl(h3, 11)), 22);
      v128.store(o + <usize>i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(s0, s1), i16x8.narrow_i32x4_s(s2, s3)));
    }
  }
}

@inline
function interleave8Low(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}
@inline
function interleave8High(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}
@inline
function interleave16Low(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
}
@inline
function interleave16High(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
}
@inline
function interleave32Low(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
}
@inline
function interleave32High(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
}
@inline
function interleave64Low(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
}
@inline
function interleave64High(a: v128, b: v128): v128 {
  return i8x16.shuffle(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
}

/**
 * Transposes a 16 × 16 byte tile: row i is the 16 bytes at `src + i * srcStep`, and column j (byte j of every row,
 * in row order) is stored at `dst + j * dstStep`. Four rounds of interleaving (bytes, pairs, quads, halves).
 */
function transposeTile(src: usize, srcStep: usize, dst: usize, dstStep: usize): void {
  // Round 1: rows 2k and 2k+1 interleaved bytewise; a(2k) holds columns 0-7 as byte pairs, a(2k+1) columns 8-15.
  const r0 = v128.load(src);
  const r1 = v128.load(src + srcStep);
  const r2 = v128.load(src + srcStep * 2);
  const r3 = v128.load(src + srcStep * 3);
  const r4 = v128.load(src + srcStep * 4);
  const r5 = v128.load(src + srcStep * 5);
  const r6 = v128.load(src + srcStep * 6);
  const r7 = v128.load(src + srcStep * 7);
  const a0 = interleave8Low(r0, r1);
  const a1 = interleave8High(r0, r1);
  const a2 = interleave8Low(r2, r3);
  const a3 = interleave8High(r2, r3);
  const a4 = interleave8Low(r4, r5);
  const a5 = interleave8High(r4, r5);
  const a6 = interleave8Low(r6, r7);
  const a7 = interleave8High(r6, r7);
  // Round 2: b(4m + q) holds columns 4q..4q+3 of rows 4m..4m+3 as 4-byte groups.
  const b0 = interleave16Low(a0, a2);
  const b1 = interleave16High(a0, a2);
  const b2 = interleave16Low(a1, a3);
  const b3 = interleave16High(a1, a3);
  const b4 = interleave16Low(a4, a6);
  const b5 = interleave16High(a4, a6);
  const b6 = interleave16Low(a5, a7);
  const b7 = interleave16High(a5, a7);
  // Round 3: c(p) holds columns 2p and 2p+1 of rows 0-7 as 8-byte groups.
  const c0 = interleave32Low(b0, b4);
  const c1 = interleave32High(b0, b4);
  const c2 = interleave32Low(b1, b5);
  const c3 = interleave32High(b1, b5);
  const c4 = interleave32Low(b2, b6);
  const c5 = interleave32High(b2, b6);
  const c6 = interleave32Low(b3, b7);
  const c7 = interleave32High(b3, b7);
  // The same for rows 8-15.
  const s8 = src + srcStep * 8;
  const r8 = v128.load(s8);
  const r9 = v128.load(s8 + srcStep);
  const r10 = v128.load(s8 + srcStep * 2);
  const r11 = v128.load(s8 + srcStep * 3);
  const r12 = v128.load(s8 + srcStep * 4);
  const r13 = v128.load(s8 + srcStep * 5);
  const r14 = v128.load(s8 + srcStep * 6);
  const r15 = v128.load(s8 + srcStep * 7);
  const a8 = interleave8Low(r8, r9);
  const a9 = interleave8High(r8, r9);
  const a10 = interleave8Low(r10, r11);
  const a11 = interleave8High(r10, r11);
  const a12 = interleave8Low(r12, r13);
  const a13 = interleave8High(r12, r13);
  const a14 = interleave8Low(r14, r15);
  const a15 = interleave8High(r14, r15);
  const b8 = interleave16Low(a8, a10);
  const b9 = interleave16High(a8, a10);
  const b10 = interleave16Low(a9, a11);
  const b11 = interleave16High(a9, a11);
  const b12 = interleave16Low(a12, a14);
  const b13 = interleave16High(a12, a14);
  const b14 = interleave16Low(a13, a15);
  const b15 = interleave16High(a13, a15);
  const c8 = interleave32Low(b8, b12);
  const c9 = interleave32High(b8, b12);
  const c10 = interleave32Low(b9, b13);
  const c11 = interleave32High(b9, b13);
  const c12 = interleave32Low(b10, b14);
  const c13 = interleave32High(b10, b14);
  const c14 = interleave32Low(b11, b15);
  const c15 = interleave32High(b11, b15);
  // Round 4: column 2p = the low halves of c(p) and c(8 + p), column 2p+1 the high halves.
  v128.store(dst, interleave64Low(c0, c8));
  v128.store(dst + dstStep, interleave64High(c0, c8));
  v128.store(dst + dstStep * 2, interleave64Low(c1, c9));
  v128.store(dst + dstStep * 3, interleave64High(c1, c9));
  v128.store(dst + dstStep * 4, interleave64Low(c2, c10));
  v128.store(dst + dstStep * 5, interleave64High(c2, c10));
  v128.store(dst + dstStep * 6, interleave64Low(c3, c11));
  v128.store(dst + dstStep * 7, interleave64High(c3, c11));
  v128.store(dst + dstStep * 8, interleave64Low(c4, c12));
  v128.store(dst + dstStep * 9, interleave64High(c4, c12));
  v128.store(dst + dstStep * 10, interleave64Low(c5, c13));
  v128.store(dst + dstStep * 11, interleave64High(c5, c13));
  v128.store(dst + dstStep * 12, interleave64Low(c6, c14));
  v128.store(dst + dstStep * 13, interleave64High(c6, c14));
  v128.store(dst + dstStep * 14, interleave64Low(c7, c15));
  v128.store(dst + dstStep * 15, interleave64High(c7, c15));
}

/**
 * Transposes `blocks` blocks of 16 rows (`rowBytes` bytes each, `srcStride` apart) for
 * {@link resampleHorizontalBlocks}: block b goes to `dst + b × ceil(rowBytes / 16) × 256`, source byte j of row r of
 * the block at byte `j × 16 + r` (a pixel's three channels are 48 consecutive bytes, the next pixel the next 48).
 * Reads up to 15 bytes past a row's end.
 */
export function transposeRows(src: usize, srcStride: i32, rowBytes: i32, blocks: i32, dst: usize): void {
  const stride: usize = <usize>srcStride;
  const tiles = (rowBytes + 15) >> 4;
  const blockBytes: usize = <usize>tiles << 8;
  for (let b = 0; b < blocks; b++) {
    const rows = src + <usize>(b * 16) * stride;
    const out = dst + <usize>b * blockBytes;
    for (let t = 0; t < tiles; t++) transposeTile(rows + (<usize>t << 4), stride, out + (<usize>t << 8), 16);
  }
}

/**
 * Pillow's horizontal pass for RGB input, 16 rows at a time, as a vertical pass: each block of 16 rows, transposed
 * by {@link transposeRows} (per source byte, its 16 rows), is summed by {@link verticalPass} over 48-byte "rows"
 * (one per source pixel) into `outBlock`, which is transposed back into 16 output rows at `dst`. Same integer sums
 * as {@link resampleHorizontal}, but the weights are the same for all 16 lanes of a vector, so no lane is wasted and
 * there is no per-pixel shuffling (the pass took 0.74-0.80× the time of the plain kernel's on 1920×1080 to
 * 256-512, 0.53-0.62× on 640×427, node 20). `starts` are source pixel offsets × 48,
 * `sizes`/`weights`/`rowPairs` the vertical layout of the horizontal axis. `blocks × 16` rows are done; the caller
 * runs the remainder through {@link resampleHorizontal}.
 * The transposed rows are either already at `transposed` (laid out by {@link transposeRows}, kept across the
 * scales of one image), or, when `transposed` is 0, made block by block in `block`
 * (`ceil(rowBytes / 16) × 256` bytes). An odd tap count reads one pixel past its last tap (48 bytes past the
 * transposed rows at the right edge), with weight 0. `outBlock` holds `ceil(outWidth × 3 / 16) × 256` bytes; the
 * transpose back writes up to 15 bytes past an output row (rewritten afterwards, or slack at the end).
 */
export function resampleHorizontalBlocks(
  src: usize,
  srcStride: i32,
  rowBytes: i32,
  blocks: i32,
  outWidth: i32,
  starts: usize,
  sizes: usize,
  weights: usize,
  rowPairs: i32,
  transposed: usize,
  block: usize,
  outBlock: usize,
  dst: usize,
): void {
  const outRow: usize = <usize>(outWidth * 3);
  const blockBytes: usize = <usize>((rowBytes + 15) >> 4) << 8;
  const tilesOut = (outWidth * 3 + 15) >> 4;
  for (let b = 0; b < blocks; b++) {
    let rows = transposed + <usize>b * blockBytes;
    if (transposed === 0) {
      transposeRows(src + <usize>(b * 16) * <usize>srcStride, srcStride, rowBytes, 1, block);
      rows = block;
    }
    verticalPass(rows, 48, outWidth, starts, sizes, weights, rowPairs, outBlock);
    const out = dst + <usize>(b * 16) * outRow;
    // Last tile first: its 16-byte stores run past the end of each output row into the next row's first tile,
    // which is written after it.
    for (let t = tilesOut - 1; t >= 0; t--) transposeTile(outBlock + (<usize>t << 8), 16, out + (<usize>t << 4), outRow);
  }
}

/**
 * RGB bytes to the three normalised CHW planes of `out`, and the FreqAux luma into `luma`, by table:
 * `tables` holds six 256-entry f32 tables (normalised R, G, B, then each channel's luma term), so the luma is
 * `(termR + termG) + termB` in f32, the order and rounding of src/freq-aux.ts.
 */
export function normalizeAndLuma(rgb: usize, plane: i32, tables: usize, out: usize, luma: usize): void {
  const planeBytes: usize = <usize>plane << 2;
  let s = rgb;
  for (let i = 0; i < plane; i++) {
    const r = <usize>load<u8>(s) << 2;
    const g = <usize>load<u8>(s, 1) << 2;
    const b = <usize>load<u8>(s, 2) << 2;
    const o = out + (<usize>i << 2);
    store<f32>(o, load<f32>(tables + r));
    store<f32>(o + planeBytes, load<f32>(tables + g, 1024));
    store<f32>(o + planeBytes * 2, load<f32>(tables + b, 2048));
    store<f32>(luma + (<usize>i << 2), load<f32>(tables + r, 3072) + load<f32>(tables + g, 4096) + load<f32>(tables + b, 5120));
    s += 3;
  }
}

/** The same without the luma (3-channel models). */
export function normalizeOnly(rgb: usize, plane: i32, tables: usize, out: usize): void {
  const planeBytes: usize = <usize>plane << 2;
  let s = rgb;
  for (let i = 0; i < plane; i++) {
    const o = out + (<usize>i << 2);
    store<f32>(o, load<f32>(tables + (<usize>load<u8>(s) << 2)));
    store<f32>(o + planeBytes, load<f32>(tables + (<usize>load<u8>(s, 1) << 2), 1024));
    store<f32>(o + planeBytes * 2, load<f32>(tables + (<usize>load<u8>(s, 2) << 2), 2048));
    s += 3;
  }
}

@inline
function lumaAt(luma: usize, i: i32): f64 {
  return <f64>load<f32>(luma + (<usize>i << 2));
}

/** |Laplacian| of one border pixel, zero padding; the same sum order as src/freq-aux.ts. */
function borderMagnitude(luma: usize, width: i32, height: i32, x: i32, y: i32): f32 {
  const i = y * width + x;
  let lap = -4 * lumaAt(luma, i);
  if (x > 0) lap += lumaAt(luma, i - 1);
  if (x < width - 1) lap += lumaAt(luma, i + 1);
  if (y > 0) lap += lumaAt(luma, i - width);
  if (y < height - 1) lap += lumaAt(luma, i + width);
  return <f32>Math.abs(lap);
}

/**
 * |4-neighbour Laplacian| of `luma` (zero padding) into `out` as f32, summed in f64 (returned). Each Laplacian is
 * summed in f64 in src/freq-aux.ts's order (-4c + left + right + up + down), so each magnitude is bit-identical to
 * the JS one; interior pixels go two at a time in f64x2 lanes (only the order of the total's sum differs).
 */
export function laplacianMagnitude(luma: usize, width: i32, height: i32, out: usize): f64 {
  let sum: f64 = 0;
  let sums = f64x2.splat(0);
  const minusFour = f64x2.splat(-4);
  const rowBytes: usize = <usize>width << 2;
  for (let y = 0; y < height; y++) {
    const interiorRow = y > 0 && y < height - 1;
    let x = 0;
    if (interiorRow && width > 2) {
      sum += <f64>storeBorder(luma, width, height, 0, y, out);
      x = 1;
      const row = <usize>(y * width) << 2;
      for (; x + 2 <= width - 1; x += 2) {
        const p = luma + row + (<usize>x << 2);
        let lap = f64x2.mul(f64x2.promote_low_f32x4(v128.load64_zero(p)), minusFour);
        lap = f64x2.add(lap, f64x2.promote_low_f32x4(v128.load64_zero(p - 4)));
        lap = f64x2.add(lap, f64x2.promote_low_f32x4(v128.load64_zero(p + 4)));
        lap = f64x2.add(lap, f64x2.promote_low_f32x4(v128.load64_zero(p - rowBytes)));
        lap = f64x2.add(lap, f64x2.promote_low_f32x4(v128.load64_zero(p + rowBytes)));
        const m = f32x4.demote_f64x2_zero(f64x2.abs(lap));
        v128.store64_lane(out + row + (<usize>x << 2), m, 0);
        sums = f64x2.add(sums, f64x2.promote_low_f32x4(m));
      }
    }
    for (; x < width; x++) sum += <f64>storeBorder(luma, width, height, x, y, out);
  }
  return sum + f64x2.extract_lane(sums, 0) + f64x2.extract_lane(sums, 1);
}

/** One pixel's |Laplacian| (any position), stored and returned. */
function storeBorder(luma: usize, width: i32, height: i32, x: i32, y: i32, out: usize): f32 {
  const m = borderMagnitude(luma, width, height, x, y);
  store<f32>(out + (<usize>(y * width + x) << 2), m);
  return m;
}

/** Σ (m - mean)² in f64 over `count` f32 values. */
export function sumSquaredDeviations(values: usize, count: i32, mean: f64): f64 {
  let squares: f64 = 0;
  for (let i = 0; i < count; i++) {
    const d = <f64>load<f32>(values + (<usize>i << 2)) - mean;
    squares += d * d;
  }
  return squares;
}

/** In place: v = (v - mu) / sigma in f32, four lanes at a time. */
export function standardize(values: usize, count: i32, mu: f32, sigma: f32): void {
  const m = f32x4.splat(mu);
  const s = f32x4.splat(sigma);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const p = values + (<usize>i << 2);
    v128.store(p, f32x4.div(f32x4.sub(v128.load(p), m), s));
  }
  for (; i < count; i++) {
    const p = values + (<usize>i << 2);
    store<f32>(p, (load<f32>(p) - mu) / sigma);
  }
}
