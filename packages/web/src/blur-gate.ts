import {
  type BlurClassifier,
  BlurgateError,
  type ClassifyResult,
  createBlurClassifier,
  type InferenceRuntime,
  type ModelSession,
  type PixelImage,
  type RoutingThresholds,
} from '@blurgate/core';
import { abortedError, type DecodeImageOptions, decodeImage, throwIfAborted, type WebImageInput } from './decode-image.js';
import { loadModelBytes, type ModelInput, type ModelLoadProgress } from './load-model-bytes.js';
import { createWebRuntime } from './web-runtime.js';

export interface BlurGateOptions {
  /** URL of the ONNX model (fetched with progress) or its bytes. */
  readonly model: ModelInput;
  /** Default: `createWebRuntime()` (WASM, threads when cross-origin isolated, wasm files beside onnxruntime-web). */
  readonly runtime?: InferenceRuntime;
  /** TTA scales; default the card's [256, 320, 384, 448, 512]. Not together with `fast`. */
  readonly scales?: readonly number[];
  /** Single-scale inference at 384. */
  readonly fast?: boolean;
  /** Below this confidence the label is `uncertain` (default 0.60). */
  readonly confidenceThreshold?: number;
  /** At or above this p_blurred the label is `blurred` (default 0.50). */
  readonly blurThreshold?: number;
  /** Images with more pixels are refused per image (IMAGE_TOO_LARGE). Default 50 MP. */
  readonly maxPixels?: number;
  /** Model download progress (URL models only). */
  readonly onProgress?: (progress: ModelLoadProgress) => void;
  /** Aborts model loading. */
  readonly signal?: AbortSignal;
}

export interface ClassifyOptions {
  readonly signal?: AbortSignal;
}

export interface ClassifyManyOptions extends ClassifyOptions {
  /** Called as each input finishes, in input order. */
  readonly onResult?: (result: ClassifyResult<WebImageInput>, index: number) => void;
}

/** The browser blur gate: same options and results as `@blurgate/node`'s. */
export interface BlurGate {
  readonly scales: readonly number[];
  readonly thresholds: RoutingThresholds;
  /** 3 (FreqAux in the graph) or 4 (FreqAux computed by core). */
  readonly modelInputChannels: 3 | 4;
  readonly runtimeName: string;
  /** Classifies one input. Image problems come back as `status: 'error'`; rejects only when aborted or disposed. */
  classify(input: WebImageInput, options?: ClassifyOptions): Promise<ClassifyResult<WebImageInput>>;
  /** Classifies inputs one after another; one result per input, in order. Rejects only when aborted or disposed. */
  classifyMany(inputs: readonly WebImageInput[], options?: ClassifyManyOptions): Promise<ClassifyResult<WebImageInput>[]>;
  /** Classifies already decoded pixels (any channel count). */
  classifyPixels(image: PixelImage, options?: ClassifyOptions): Promise<ClassifyResult<PixelImage>>;
  /** Releases the model session. */
  dispose(): Promise<void>;
}

/** Loads the model and returns a gate. Throws typed errors for setup mistakes (bad options, unusable model). */
export async function createBlurGate(options: BlurGateOptions): Promise<BlurGate> {
  const runtime = options.runtime ?? createWebRuntime();
  const bytes = await loadModelBytes(options.model, { onProgress: options.onProgress, signal: options.signal });
  throwIfAborted(options.signal);
  const session = await runtime.loadModel(bytes);
  let classifier: BlurClassifier;
  try {
    classifier = createBlurClassifier(session, options);
  } catch (error) {
    await session.dispose();
    throw error;
  }
  return gateFromClassifier(session, classifier, runtime.name, options.maxPixels);
}

function gateFromClassifier(session: ModelSession, classifier: BlurClassifier, runtimeName: string, maxPixels?: number): BlurGate {
  let disposed = false;
  const assertUsable = (signal?: AbortSignal) => {
    if (disposed) throw new BlurgateError('RUNTIME_FAILED', 'This blur gate was disposed; create a new one.');
    throwIfAborted(signal);
  };

  async function run<Input>(input: Input, load: () => Promise<PixelImage>, signal?: AbortSignal): Promise<ClassifyResult<Input>> {
    assertUsable(signal);
    try {
      const image = await load();
      assertUsable(signal);
      const prediction = await whileNotAborted(classifier.classify(image), signal);
      return { status: 'ok', input, ...prediction };
    } catch (error) {
      if (error instanceof BlurgateError && error.code === 'ABORTED') throw error;
      if (disposed) throw error;
      return { status: 'error', input, error: failureOf(error) };
    }
  }

  const decodeOptions = (signal?: AbortSignal): DecodeImageOptions => ({ maxPixels, signal });

  return {
    scales: classifier.scales,
    thresholds: classifier.thresholds,
    modelInputChannels: session.inputChannels,
    runtimeName,
    classify(input, options = {}) {
      return run(input, () => decodeImage(input, decodeOptions(options.signal)), options.signal);
    },
    async classifyMany(inputs, options = {}) {
      const results: ClassifyResult<WebImageInput>[] = [];
      for (const [index, input] of inputs.entries()) {
        const result = await run(input, () => decodeImage(input, decodeOptions(options.signal)), options.signal);
        results.push(result);
        options.onResult?.(result, index);
      }
      return results;
    },
    classifyPixels(image, options = {}) {
      return run(image, async () => image, options.signal);
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await session.dispose();
    },
  };
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

function failureOf(error: unknown): { code: string; message: string } {
  if (error instanceof BlurgateError) return { code: error.code, message: error.message };
  return { code: 'RUNTIME_FAILED', message: error instanceof Error ? error.message : String(error) };
}
