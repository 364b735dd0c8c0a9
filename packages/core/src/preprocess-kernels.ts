/*
 * The WebAssembly SIMD preprocessing kernels (AssemblyScript source: packages/core/assembly/preprocess-kernels.ts,
 * compiled by core's build to dist/preprocess-kernels.wasm and dist/preprocess-kernels-wasm.js, a module that only
 * exports the bytes as a base64 string).
 *
 * How the module gets here: core stays pure, so it neither reads files, fetches, nor touches the `WebAssembly`
 * global. The platform passes the bytes and its `WebAssembly` namespace to {@link instantiatePreprocessKernels}
 * (node and web each have a small `loadPreprocessKernels()` doing that). Passing the namespace in, rather than an
 * already-instantiated module, keeps the import object, the SIMD check and the export contract in one place (here),
 * and keeps the platforms' part to "where do the bytes come from".
 */
import { BlurgateError } from './errors.js';
import { lumaTermTable } from './freq-aux.js';
import { normalisationTable } from './normalize-image.js';

/** The exports the AssemblyScript module provides (pointers are byte offsets into `memory`). */
export interface PreprocessKernelExports {
  readonly memory: WasmMemoryLike;
  resampleHorizontal(
    src: number,
    srcStride: number,
    srcChannels: number,
    rows: number,
    outWidth: number,
    starts: number,
    groups: number,
    weights: number,
    dst: number,
  ): void;
  resampleHorizontalBlocks(
    src: number,
    srcStride: number,
    rowBytes: number,
    blocks: number,
    outWidth: number,
    starts: number,
    sizes: number,
    weights: number,
    rowPairs: number,
    transposed: number,
    block: number,
    outBlock: number,
    dst: number,
  ): void;
  transposeRows(src: number, srcStride: number, rowBytes: number, blocks: number, dst: number): void;
  resampleVertical(
    src: number,
    stride: number,
    outHeight: number,
    starts: number,
    sizes: number,
    weights: number,
    rowPairs: number,
    dst: number,
  ): void;
  normalizeAndLuma(rgb: number, plane: number, tables: number, out: number, luma: number): void;
  normalizeOnly(rgb: number, plane: number, tables: number, out: number): void;
  laplacianMagnitude(luma: number, width: number, height: number, out: number): number;
  sumSquaredDeviations(values: number, count: number, mean: number): number;
  standardize(values: number, count: number, mu: number, sigma: number): void;
}

/** The part of `WebAssembly.Memory` the kernels use. */
export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The part of the `WebAssembly` namespace {@link instantiatePreprocessKernels} uses (pass `WebAssembly`). */
export interface WebAssemblyLike {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
  instantiate(
    bytes: Uint8Array<ArrayBuffer>,
    imports?: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: { exports: unknown } }>;
}

/** An instantiated kernel module. Give it to `createPreprocessor({ wasm })`; one per preprocessor. */
export interface PreprocessKernels {
  readonly exports: PreprocessKernelExports;
  /** Byte offset of the six f32 lookup tables (normalised R, G, B, then the luma terms), 6144 bytes. */
  readonly tables: number;
  /** First free byte after the tables, 16-aligned. */
  readonly heapBase: number;
}

const EXPORT_NAMES = [
  'resampleHorizontal',
  'resampleHorizontalBlocks',
  'transposeRows',
  'resampleVertical',
  'normalizeAndLuma',
  'normalizeOnly',
  'laplacianMagnitude',
  'sumSquaredDeviations',
  'standardize',
] as const;

const TABLES_OFFSET = 1024;
const TABLE_BYTES = 6 * 256 * 4;
const WASM_PAGE_BYTES = 65536;

/** Base64 to bytes with no platform helper (core uses no globals); the kernels are a few kilobytes. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const clean = text.replace(/[^A-Za-z0-9+/]/g, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    value = (value << 6) | alphabet.indexOf(clean[i]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/**
 * Instantiates the preprocessing kernels and fills their lookup tables.
 *
 * @param bytes - the module: `dist/preprocess-kernels.wasm` of `@blurgate/core`, or
 *   `decodeBase64(PREPROCESS_KERNELS_WASM_BASE64)` from `@blurgate/core/preprocess-kernels-wasm`.
 * @param webAssembly - the platform's `WebAssembly` namespace.
 * @returns the kernels, for `createPreprocessor({ wasm })`.
 * @throws BlurgateError('RUNTIME_FAILED') when the engine cannot compile the module (no WebAssembly SIMD):
 *   callers fall back to the JS path by passing no `wasm`.
 * @example
 * const kernels = await instantiatePreprocessKernels(bytes, WebAssembly);
 * const preprocessor = createPreprocessor({ wasm: kernels });
 */
export async function instantiatePreprocessKernels(
  bytes: Uint8Array<ArrayBuffer>,
  webAssembly: WebAssemblyLike,
): Promise<PreprocessKernels> {
  if (!webAssembly.validate(bytes)) {
    throw new BlurgateError(
      'RUNTIME_FAILED',
      'this JavaScript engine cannot compile the preprocessing kernels (WebAssembly SIMD is missing); use the JS path (no wasm option)',
    );
  }
  const { instance } = await webAssembly.instantiate(bytes, {});
  const exports = instance.exports as Partial<PreprocessKernelExports>;
  for (const name of EXPORT_NAMES) {
    if (typeof exports[name] !== 'function') {
      throw new BlurgateError(
        'RUNTIME_FAILED',
        `the preprocessing kernel module lacks ${name}: rebuild @blurgate/core`,
      );
    }
  }
  const kernels = exports as PreprocessKernelExports;
  const heapBase = TABLES_OFFSET + TABLE_BYTES;
  ensureMemory(kernels.memory, heapBase);
  const tables = new Float32Array(kernels.memory.buffer, TABLES_OFFSET, 6 * 256);
  for (const channel of [0, 1, 2] as const) {
    tables.set(normalisationTable(channel), channel * 256);
    tables.set(lumaTermTable(channel), (3 + channel) * 256);
  }
  return { exports: kernels, tables: TABLES_OFFSET, heapBase };
}

/** Grows `memory` to at least `bytes`. */
export function ensureMemory(memory: WasmMemoryLike, bytes: number): void {
  const missing = bytes - memory.buffer.byteLength;
  if (missing > 0) memory.grow(Math.ceil(missing / WASM_PAGE_BYTES));
}
