import { availableParallelism } from 'node:os';
import {
  type BlurGate,
  createGate,
  createPreprocessor,
  type GateModel,
  type GateOptions,
  type InferenceRuntime,
  OptionError,
} from '@blurgate/core';
import { type DecodeImageOptions, decodeImage, type ImageSource } from './decode-image.js';
import { loadModelFile, type ModelStoreOptions, resolveModel, sha256Hex } from './model-store.js';
import { createOnnxRuntime, type SessionThread } from './onnx-runtime.js';
import { createPreparePool } from './prepare-pool.js';
import { loadPreprocessKernels } from './preprocess-kernels.js';

/** Most worker threads a gate's prepare pool may have. */
export const MAX_WORKERS = 16;

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
  readonly decodeOptions?: Omit<DecodeImageOptions, 'maxPixels' | 'shrinkOnLoadTo'>;
  /**
   * Worker threads (piscina) that decode and preprocess images while the model runs on the main thread; 0 (the
   * default) preprocesses on the main thread between runs (decoding, on libuv's threads, still overlaps).
   * onnxruntime-node's run holds the calling thread (measured: a 1 ms timer fired once during a 131 ms run), so
   * only workers let preprocessing run beside inference. Opt-in for now: on two cores a worker competes with
   * onnxruntime's intra-op threads (`inferenceThreads` then defaults to the cores left), and the loaded machine
   * this was written on could not say which wins; the bench prints workers 0, 1 and 2 side by side
   * (`classifyMany ... workers`) to decide the default on an idle one.
   */
  readonly workers?: number;
  /**
   * onnxruntime's intra-op threads when `runtime` is not given. Default: the available cores minus `workers`
   * (at least 1), so the pool and the model do not fight over the same cores.
   */
  readonly inferenceThreads?: number;
  /**
   * Where the model session runs when `runtime` is not given (see `OnnxRuntimeOptions.sessionThread`). `main` (the
   * default): on the main thread, which onnxruntime-node holds for the length of each run. `worker`: on a worker
   * thread of its own, so the main thread preprocesses beside the model (the next TTA scale of the same image, the
   * next image of a batch) instead of between runs. It helps with TTA and batches on a machine with a core to spare
   * beside onnxruntime's threads (consider `inferenceThreads` of the cores minus one); single images at one scale gain
   * little, and each run costs a copy of its input (about 0.1-0.3 ms). The numbers are the same either way.
   */
  readonly sessionThread?: SessionThread;
  /**
   * Decode large JPEGs at 1/2, 1/4 or 1/8 size (libjpeg shrink-on-load) when both sides stay at least twice the
   * largest scale. Faster for phone photos, but the pixels depart from the reference's full decode, so it is
   * opt-in; see `DecodeImageOptions.shrinkOnLoadTo`. Default false (exact).
   */
  readonly fastDecode?: boolean;
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
 *   `blurThreshold`, `concurrency`); `workers` (decode + preprocessing in worker threads, default 0),
 *   `inferenceThreads` (onnxruntime's, default: cores minus workers), `sessionThread` (`main` or `worker`: the
 *   session on a thread of its own, default `main`) and `fastDecode` (JPEG shrink-on-load, inexact).
 * @returns A {@link BlurGate} over paths and encoded image bytes; `dispose()` it when done.
 * @throws {@link ModelError} `MODEL_NOT_FOUND`, `INVALID_MANIFEST`, `CHECKSUM_MISMATCH` or
 *   `UNSUPPORTED_MODEL` when the model cannot be used.
 * @throws {@link OptionError} `INVALID_OPTION` for an option out of range (including `workers`, `inferenceThreads` and
 *   `sessionThread`, or `sessionThread` together with `runtime`).
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
  const {
    model,
    runtime,
    modelStore,
    decodeOptions = {},
    workers = 0,
    inferenceThreads,
    fastDecode = false,
    sessionThread,
    ...gateOptions
  } = options;
  if (runtime !== undefined && sessionThread !== undefined) {
    throw new OptionError('pass either runtime or sessionThread, not both (give the runtime its own sessionThread)');
  }
  if (!Number.isInteger(workers) || workers < 0 || workers > MAX_WORKERS) {
    throw new OptionError(`workers must be a whole number from 0 to ${MAX_WORKERS}, got ${String(workers)}`);
  }
  if (inferenceThreads !== undefined && (!Number.isInteger(inferenceThreads) || inferenceThreads < 1)) {
    throw new OptionError(`inferenceThreads must be a positive whole number, got ${String(inferenceThreads)}`);
  }
  // The cores are shared: `workers` threads decode and preprocess, onnxruntime gets the rest for one run at a time.
  const threads = inferenceThreads ?? Math.max(1, availableParallelism() - workers);
  const gateRuntime = runtime ?? createOnnxRuntime({ intraOpNumThreads: threads, sessionThread });
  const gateModel = await loadGateModel(model, modelStore);
  const pool = workers > 0 ? createPreparePool(workers, decodeOptions, fastDecode) : null;
  try {
    return await createGate({
      runtime: gateRuntime,
      decode: (input, perImage) =>
        decodeImage(input, {
          ...decodeOptions,
          maxPixels: perImage.maxPixels,
          shrinkOnLoadTo: fastDecode && perImage.scales ? Math.max(...perImage.scales) : undefined,
        }),
      prepare: pool?.prepare,
      recycle: pool?.recycle,
      onDispose: pool?.close,
      model: gateModel,
      options: {
        ...gateOptions,
        // With a pool, enough in flight to keep every worker busy besides the image the model is running.
        concurrency: gateOptions.concurrency ?? Math.max(Math.min(4, Math.max(2, availableParallelism())), workers + 2),
        // core's WebAssembly SIMD kernels unless the caller brings a preprocessor (JS path if SIMD is missing).
        preprocessor: gateOptions.preprocessor ?? createPreprocessor({ wasm: await loadPreprocessKernels() }),
      },
    });
  } catch (error) {
    await pool?.close();
    throw error;
  }
}
