import {
  type BlurClassifier,
  type BlurClassifierOptions,
  type BlurGateModelInfo,
  BlurgateError,
  type BlurPrediction,
  type ClassifyFailure,
  type ClassifyResult,
  createBlurClassifier,
  type InferenceRuntime,
  ModelError,
  type PixelImage,
  type RoutingThresholds,
} from '@blurgate/core';
import { abortedError, type DecodeImageOptions, decodeImage, throwIfAborted, type WebImageInput } from './decode-image.js';
import { loadModelBytes, type ModelInput, type ModelLoadProgress } from './load-model-bytes.js';
import { createWebRuntime } from './web-runtime.js';

export type { BlurGateModelInfo } from '@blurgate/core';

/** Routing and TTA options are core's `BlurClassifierOptions`, as in `@blurgate/node`. */
export interface BlurGateOptions extends Omit<BlurClassifierOptions, 'minSide'> {
  /** URL of the ONNX model (fetched with progress) or its bytes. */
  readonly model: ModelInput;
  /** Default: `createWebRuntime()` (WASM, threads when cross-origin isolated, wasm files beside onnxruntime-web). */
  readonly runtime?: InferenceRuntime;
  /** Images with more pixels are refused (IMAGE_TOO_LARGE). Default 50 MP (browser canvas memory). */
  readonly maxPixels?: number;
  /** Model download progress (URL models only). */
  readonly onProgress?: (progress: ModelLoadProgress) => void;
  /** Aborts model loading. */
  readonly signal?: AbortSignal;
}

export interface ClassifyOptions {
  readonly signal?: AbortSignal;
}

export type ClassifyManyOptions = ClassifyOptions;

/** The browser blur gate: the same options, methods and results as `@blurgate/node`'s. */
export interface BlurGate {
  readonly model: BlurGateModelInfo;
  readonly scales: readonly number[];
  readonly thresholds: RoutingThresholds;
  /** e.g. `onnxruntime-web 1.30.0 (wasm, 2 threads)`. */
  readonly runtimeName: string;
  /** Decodes and classifies one image. Throws ImageInputError / ModelError, or ABORTED. */
  classify(input: WebImageInput, options?: ClassifyOptions): Promise<BlurPrediction>;
  /**
   * Classifies images one after another, yielding one result per input in input order. Image
   * failures are `{status: 'error'}` results and the batch goes on; an abort ends it with ABORTED.
   */
  classifyMany<I extends WebImageInput>(
    inputs: Iterable<I> | AsyncIterable<I>,
    options?: ClassifyManyOptions,
  ): AsyncIterable<ClassifyResult<I>>;
  /** Classifies already decoded pixels (1 to 4 channels). Throws like `classify`. */
  classifyPixels(image: PixelImage, options?: ClassifyOptions): Promise<BlurPrediction>;
  /** Frees the model session. */
  dispose(): Promise<void>;
}

/** Loads the model and returns a gate. Throws typed errors for setup mistakes (bad options, unusable model). */
export async function createBlurGate(options: BlurGateOptions): Promise<BlurGate> {
  const runtime = options.runtime ?? createWebRuntime();
  const bytes = await loadModelBytes(options.model, { onProgress: options.onProgress, signal: options.signal });
  throwIfAborted(options.signal);
  const sha256 = await sha256Hex(bytes);
  const session = await runtime.loadModel(bytes);
  let classifier: BlurClassifier;
  try {
    classifier = createBlurClassifier(session, options);
  } catch (error) {
    await session.dispose();
    throw error;
  }
  const url = typeof options.model === 'string' || options.model instanceof URL ? String(options.model) : null;
  const model: BlurGateModelInfo = {
    name: url ? (url.split(/[?#]/)[0]!.split('/').pop() ?? url) : 'in-memory',
    version: 'unversioned',
    sha256,
    inputChannels: session.inputChannels,
    path: url,
    manifest: null,
  };

  let disposed = false;
  const usable = (signal?: AbortSignal) => {
    if (disposed) throw new ModelError('RUNTIME_FAILED', 'This blur gate was disposed; create a new one.');
    throwIfAborted(signal);
  };
  const decodeOptions = (signal?: AbortSignal): DecodeImageOptions => ({ maxPixels: options.maxPixels, signal });

  async function classifyPixels(image: PixelImage, classifyOptions: ClassifyOptions = {}): Promise<BlurPrediction> {
    usable(classifyOptions.signal);
    // The session's own queue serialises runs; this only stops waiting when the caller aborts.
    return whileNotAborted(classifier.classify(image), classifyOptions.signal);
  }

  async function classify(input: WebImageInput, classifyOptions: ClassifyOptions = {}): Promise<BlurPrediction> {
    usable(classifyOptions.signal);
    const image = await decodeImage(input, decodeOptions(classifyOptions.signal));
    return classifyPixels(image, classifyOptions);
  }

  return {
    model,
    scales: classifier.scales,
    thresholds: classifier.thresholds,
    runtimeName: runtime.name,
    classify,
    classifyMany: (inputs, manyOptions = {}) => resultsOf(inputs, classify, manyOptions.signal),
    classifyPixels,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.dispose();
    },
  };
}

/** Ordered per-input results of `classify`; image failures become results, aborts and disposal end the batch. */
export async function* resultsOf<I extends WebImageInput>(
  inputs: Iterable<I> | AsyncIterable<I>,
  classify: (input: I, options: ClassifyOptions) => Promise<BlurPrediction>,
  signal?: AbortSignal,
): AsyncIterable<ClassifyResult<I>> {
  for await (const input of inputs) {
    throwIfAborted(signal);
    try {
      yield { status: 'ok', input, ...(await classify(input, { signal })) };
    } catch (error) {
      if (!isPerImageFailure(error)) throw error;
      yield { status: 'error', input, error: failureOf(error) };
    }
  }
}

/** Aborts and a disposed gate stop a batch; everything else is about one image. */
function isPerImageFailure(error: unknown): boolean {
  if (!(error instanceof BlurgateError)) return true;
  if (error.code === 'ABORTED') return false;
  return !(error.code === 'RUNTIME_FAILED' && /disposed/.test(error.message));
}

/** Resolves like `promise`, or rejects with ABORTED as soon as the signal fires (the run finishes unseen). */
function whileNotAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The `{code, message}` of a per-image failure (code `UNEXPECTED` for errors blurgate did not type, as in node). */
export function failureOf(error: unknown): ClassifyFailure {
  if (error instanceof BlurgateError) return { code: error.code, message: error.message };
  return { code: 'UNEXPECTED', message: error instanceof Error ? error.message : String(error) };
}

/** sha256 of the model; empty where WebCrypto is missing (pages that are not a secure context). */
async function sha256Hex(bytes: Uint8Array): Promise<string> {
  if (!globalThis.crypto?.subtle) return '';
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
