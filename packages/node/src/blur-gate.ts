import { availableParallelism } from 'node:os';
import { type BlurGate, createGate, createPreprocessor, type GateModel, type GateOptions, type InferenceRuntime } from '@blurgate/core';
import { type DecodeImageOptions, decodeImage, type ImageSource } from './decode-image.js';
import { loadModelFile, type ModelStoreOptions, resolveModel, sha256Hex } from './model-store.js';
import { createOnnxRuntime } from './onnx-runtime.js';
import { loadPreprocessKernels } from './preprocess-kernels.js';

export type { BlurGate, BlurGateModelInfo, ClassifyManyOptions, ClassifyOptions } from '@blurgate/core';

/**
 * Options of {@link createBlurGate}: where the model comes from, plus core's gate options
 * (`scales`/`fast`, thresholds, `maxPixels`, `concurrency`), whose defaults come from the model's manifest.
 */
export interface BlurGateOptions extends GateOptions {
  /**
   * A model spec (path to a .onnx file or a model folder, `name` or `name@version` from the model
   * store) or the ONNX bytes. Default: the installed default model.
   */
  readonly model?: string | Uint8Array;
  /** Default: {@link createOnnxRuntime}(). */
  readonly runtime?: InferenceRuntime;
  /** Decompression-bomb guard, default 100 MP (`DEFAULT_MAX_PIXELS`). */
  readonly maxPixels?: number;
  /** Where named models are looked up. */
  readonly modelStore?: ModelStoreOptions;
  /** The other input limits of {@link decodeImage}: file size, time budget, SVG (each with a safe default). */
  readonly decodeOptions?: Omit<DecodeImageOptions, 'maxPixels'>;
}

async function loadGateModel(model: string | Uint8Array | undefined, store?: ModelStoreOptions): Promise<GateModel> {
  if (model instanceof Uint8Array) return { bytes: model, sha256: sha256Hex(model), path: null };
  const loaded = await loadModelFile(await resolveModel(model, store));
  return {
    bytes: loaded.bytes,
    manifest: loaded.manifest,
    name: loaded.name,
    version: loaded.version,
    sha256: loaded.sha256,
    path: loaded.modelPath,
  };
}

/**
 * Loads a model once and returns a gate that decodes images with sharp and classifies them with
 * onnxruntime-node. Scales and thresholds come from the model's `manifest.json` unless given;
 * the gate itself is core's {@link createGate}, the same as in `@blurgate/web`.
 *
 * @param options - `model` (spec or bytes; default: the installed default model), `runtime`,
 *   `maxPixels`, `modelStore`, and core's gate options (`scales` or `fast`, `confidenceThreshold`,
 *   `blurThreshold`, `concurrency`).
 * @returns A {@link BlurGate} over paths and encoded image bytes; `dispose()` it when done.
 * @throws {@link ModelError} `MODEL_NOT_FOUND`, `INVALID_MANIFEST`, `CHECKSUM_MISMATCH` or
 *   `UNSUPPORTED_MODEL` when the model cannot be used.
 * @throws {@link OptionError} `INVALID_OPTION` for an option out of range.
 * @example
 * ```js
 * import { createBlurGate } from '@blurgate/node';
 *
 * const gate = await createBlurGate(); // the default model, its manifest's scales and thresholds
 * const { label, confidence } = await gate.classify('samples/sharp-opencv_board_000.jpg');
 * for await (const result of gate.classifyMany(['a.jpg', 'b.png'])) {
 *   console.log(result.input, result.status === 'ok' ? result.label : result.error.code);
 * }
 * await gate.dispose();
 * ```
 */
export async function createBlurGate(options: BlurGateOptions = {}): Promise<BlurGate<ImageSource>> {
  const { model, runtime, modelStore, decodeOptions, ...gateOptions } = options;
  const gateModel = await loadGateModel(model, modelStore);
  return createGate({
    runtime: runtime ?? createOnnxRuntime(),
    decode: decodeOptions ? (input, perImage) => decodeImage(input, { ...decodeOptions, maxPixels: perImage.maxPixels }) : decodeImage,
    model: gateModel,
    options: {
      ...gateOptions,
      concurrency: gateOptions.concurrency ?? Math.min(4, Math.max(2, availableParallelism())),
      // core's WebAssembly SIMD kernels unless the caller brings a preprocessor (JS path if SIMD is missing).
      preprocessor: gateOptions.preprocessor ?? createPreprocessor({ wasm: await loadPreprocessKernels() }),
    },
  });
}
