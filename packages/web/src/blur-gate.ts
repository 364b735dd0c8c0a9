import {
  type BlurGate,
  createGate,
  createPreprocessor,
  type GateOptions,
  type InferenceRuntime,
  type ModelManifest,
  ModelError,
  throwIfAborted,
} from '@blurgate/core';
import { decodeImage, type WebImageInput } from './decode-image.js';
import { loadManifestBeside, manifestFromOption } from './load-manifest.js';
import { loadModelBytes, type ModelInput, type ModelLoadProgress } from './load-model-bytes.js';
import { loadPreprocessKernels } from './preprocess-kernels.js';
import { createWebRuntime } from './web-runtime.js';

export type { BlurGate, BlurGateModelInfo, ClassifyManyOptions, ClassifyOptions } from '@blurgate/core';

/**
 * Options of {@link createBlurGate}: where the model comes from, plus core's gate options
 * (`scales`/`fast`, thresholds, `maxPixels`, `concurrency`), whose defaults come from the model's
 * manifest exactly as in `@blurgate/node`.
 */
export interface BlurGateOptions extends GateOptions {
  /** URL of the ONNX model (fetched with progress) or its bytes. */
  readonly model: ModelInput;
  /**
   * The model's manifest. Default (undefined): `manifest.json` beside a model URL, used when it
   * names that file (none for bytes). An object: this manifest (validated). `null`: run without one
   * (the card's defaults: 5-scale TTA, thresholds 0.60 / 0.50).
   */
  readonly manifest?: ModelManifest | Record<string, unknown> | null;
  /** Default: `createWebRuntime()` (WASM, threads when cross-origin isolated, wasm files beside onnxruntime-web). */
  readonly runtime?: InferenceRuntime;
  /** Images with more pixels are refused (IMAGE_TOO_LARGE). Default 50 MP (browser canvas memory). */
  readonly maxPixels?: number;
  /** Model download progress (URL models only). */
  readonly onProgress?: (progress: ModelLoadProgress) => void;
  /** Aborts model loading. */
  readonly signal?: AbortSignal;
}

function absoluteUrl(url: string | URL): string {
  const base = (globalThis as { location?: { href: string } }).location?.href;
  return base ? new URL(url, base).href : new URL(url).href;
}

/** sha256 (hex) of the model with WebCrypto; null where it is missing (pages that are not a secure context). */
async function sha256Hex(bytes: Uint8Array): Promise<string | null> {
  if (!globalThis.crypto?.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Loads a model and returns a gate that decodes images with the browser (createImageBitmap and a
 * canvas) and classifies them with onnxruntime-web. The model's `manifest.json` (beside the model
 * URL) sets the scales and thresholds, and its sha256 is checked with WebCrypto; the gate itself
 * is core's `createGate`, so the same model folder gives the same answers as `@blurgate/node`.
 *
 * @param options - `model` (URL or bytes), `manifest` (object, or null for none), `runtime`,
 *   `maxPixels`, `onProgress`, `signal`, and core's gate options (`scales` or `fast`,
 *   `confidenceThreshold`, `blurThreshold`, `concurrency`).
 * @returns A {@link BlurGate} over browser image inputs; `dispose()` it when done.
 * @throws {@link ModelError} `MODEL_NOT_FOUND` (fetch failed), `INVALID_MANIFEST`, `CHECKSUM_MISMATCH`
 *   (the bytes are not the manifest's, or WebCrypto is missing to check them), `UNSUPPORTED_MODEL`,
 *   `RUNTIME_FAILED` (onnxruntime-web could not start).
 * @throws {@link OptionError} `INVALID_OPTION` for an option out of range; `BlurgateError('ABORTED')` on `signal`.
 * @example
 * ```ts
 * import { createBlurGate, createWebRuntime } from '@blurgate/web';
 *
 * const gate = await createBlurGate({
 *   model: '/models/blurgate-synth/1.0.0/model.onnx', // manifest.json beside it sets scales and thresholds
 *   runtime: createWebRuntime({ wasmPaths: '/ort/' }),  // where ort-wasm-simd-threaded.{mjs,wasm} are served
 * });
 * const { label, confidence } = await gate.classify(fileInput.files[0]);
 * await gate.dispose();
 * ```
 */
export async function createBlurGate(options: BlurGateOptions): Promise<BlurGate<WebImageInput>> {
  const { model, manifest: manifestOption, runtime, onProgress, signal, ...gateOptions } = options;
  throwIfAborted(signal, 'model loading');
  const url = typeof model === 'string' || model instanceof URL ? absoluteUrl(model) : null;
  const manifest =
    manifestOption === null
      ? null
      : manifestOption !== undefined
        ? manifestFromOption(manifestOption)
        : url
          ? await loadManifestBeside(url, signal)
          : null;
  const bytes = await loadModelBytes(url ?? model, { onProgress, signal });
  throwIfAborted(signal, 'model loading');
  const sha256 = await sha256Hex(bytes);
  if (sha256 === null && manifest?.sha256) {
    throw new ModelError(
      'CHECKSUM_MISMATCH',
      `Cannot check the model's sha256 against its manifest: WebCrypto is missing (the page is not a secure context). Serve the page over https or from localhost, or pass manifest: null.`,
    );
  }
  return createGate({
    runtime: runtime ?? createWebRuntime(),
    decode: decodeImage,
    model: {
      bytes,
      manifest,
      name: manifest?.name ?? (url ? (new URL(url).pathname.split('/').pop() ?? url) : 'in-memory'),
      sha256,
      path: url,
    },
    // core's WebAssembly SIMD kernels (inlined, no fetch) unless the caller brings a preprocessor.
    options: {
      ...gateOptions,
      preprocessor: gateOptions.preprocessor ?? createPreprocessor({ wasm: await loadPreprocessKernels() }),
    },
  });
}
