import { availableParallelism } from 'node:os';
import {
  type BlurClassifierOptions,
  type BlurGateModelInfo,
  BlurgateError,
  type BlurPrediction,
  type ClassifyResult,
  createBlurClassifier,
  type InferenceRuntime,
  ModelError,
  OptionError,
  type RoutingThresholds,
} from '@blurgate/core';
import { type DecodeImageOptions, decodeImage, type ImageSource } from './decode-image.js';
import { mapOrdered } from './map-ordered.js';
import { type LoadedModel, loadModelFile, type ModelStoreOptions, resolveModel, sha256Hex } from './model-store.js';
import { createOnnxRuntime } from './onnx-runtime.js';

export type { BlurGateModelInfo } from '@blurgate/core';

/** Routing and TTA options are core's `BlurClassifierOptions`; their defaults come from the model's manifest. */
export interface BlurGateOptions extends Omit<BlurClassifierOptions, 'minSide'> {
  /**
   * A model spec (path to a .onnx file or a model folder, `name` or `name@version` from the model
   * store) or the ONNX bytes. Default: the installed default model.
   */
  readonly model?: string | Uint8Array;
  /** Default: {@link createOnnxRuntime}(). */
  readonly runtime?: InferenceRuntime;
  /** Decompression-bomb guard, default 100 MP. */
  readonly maxPixels?: number;
  /** Where named models are looked up. */
  readonly modelStore?: ModelStoreOptions;
}

export interface ClassifyManyOptions {
  /** Images decoded ahead while the model runs; default min(4, max(2, CPUs)). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

export interface BlurGate {
  readonly model: BlurGateModelInfo;
  /** The inference runtime, for reports, e.g. `onnxruntime-node 1.30.0`. */
  readonly runtimeName: string;
  readonly scales: readonly number[];
  readonly thresholds: RoutingThresholds;
  /** Decodes and classifies one image. Throws ImageInputError / ModelError. */
  classify(input: ImageSource): Promise<BlurPrediction>;
  /**
   * Classifies many images, yielding one result per input in input order; decoding of the next
   * images overlaps inference. Failures are `{status: 'error'}` results and the batch goes on.
   */
  classifyMany<I extends ImageSource>(
    inputs: Iterable<I> | AsyncIterable<I>,
    options?: ClassifyManyOptions,
  ): AsyncIterable<ClassifyResult<I>>;
  /** Frees the model session. */
  dispose(): Promise<void>;
}

async function loadModel(model: string | Uint8Array | undefined, store?: ModelStoreOptions): Promise<LoadedModel> {
  if (model instanceof Uint8Array) {
    return {
      name: 'in-memory',
      version: 'unversioned',
      modelPath: '',
      manifest: null,
      dir: null,
      bytes: model,
      sha256: sha256Hex(model),
    };
  }
  return loadModelFile(await resolveModel(model, store));
}

function failureOf(error: unknown): { code: string; message: string } {
  if (error instanceof BlurgateError) return { code: error.code, message: error.message };
  return { code: 'UNEXPECTED', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Loads a model once and returns a gate that decodes (sharp) and classifies images (core TTA and
 * routing on onnxruntime-node). Options default to the model manifest's scales and thresholds.
 */
export async function createBlurGate(options: BlurGateOptions = {}): Promise<BlurGate> {
  const decodeOptions: DecodeImageOptions = { maxPixels: options.maxPixels };
  if (options.maxPixels !== undefined && !(Number.isFinite(options.maxPixels) && options.maxPixels > 0)) {
    throw new OptionError(`maxPixels must be a positive number, got ${String(options.maxPixels)}`);
  }
  const loaded = await loadModel(options.model, options.modelStore);
  const manifest = loaded.manifest;
  const runtime = options.runtime ?? createOnnxRuntime();
  const session = await runtime.loadModel(loaded.bytes);
  try {
    if (manifest && manifest.inputChannels !== session.inputChannels) {
      throw new ModelError(
        'UNSUPPORTED_MODEL',
        `${loaded.modelPath}: the manifest says ${manifest.inputChannels} input channels but the model takes ${session.inputChannels}`,
      );
    }
    const classifier = createBlurClassifier(session, {
      fast: options.fast,
      scales: options.scales ?? (options.fast ? undefined : manifest?.scales),
      confidenceThreshold: options.confidenceThreshold ?? manifest?.thresholds.confidence,
      blurThreshold: options.blurThreshold ?? manifest?.thresholds.blur,
    });

    // One inference at a time: ONNX Runtime already uses every core inside one run, so running
    // several at once only adds contention. Decoding (sharp's thread pool) overlaps it.
    let queue: Promise<unknown> = Promise.resolve();
    const exclusive = <T>(task: () => Promise<T>): Promise<T> => {
      const run = queue.then(task, task);
      queue = run.catch(() => undefined);
      return run;
    };
    let disposed = false;
    const classify = async (input: ImageSource): Promise<BlurPrediction> => {
      if (disposed) throw new ModelError('RUNTIME_FAILED', 'this blur gate was disposed');
      const image = await decodeImage(input, decodeOptions);
      return exclusive(() => classifier.classify(image));
    };

    return {
      model: {
        name: loaded.name,
        version: loaded.version,
        sha256: loaded.sha256,
        inputChannels: session.inputChannels,
        path: loaded.modelPath || null,
        manifest,
      },
      runtimeName: runtime.name,
      scales: classifier.scales,
      thresholds: classifier.thresholds,
      classify,
      classifyMany<I extends ImageSource>(
        inputs: Iterable<I> | AsyncIterable<I>,
        many: ClassifyManyOptions = {},
      ): AsyncIterable<ClassifyResult<I>> {
        const concurrency = many.concurrency ?? Math.min(4, Math.max(2, availableParallelism()));
        if (!Number.isInteger(concurrency) || concurrency < 1) {
          throw new OptionError(`concurrency must be a positive integer, got ${String(concurrency)}`);
        }
        const one = async (input: I): Promise<ClassifyResult<I>> => {
          try {
            return { status: 'ok', input, ...(await classify(input)) };
          } catch (error) {
            return { status: 'error', input, error: failureOf(error) };
          }
        };
        return mapOrdered(inputs, concurrency, one, many.signal, () => new BlurgateError('ABORTED', 'classification was aborted'));
      },
      async dispose() {
        if (disposed) return;
        disposed = true;
        await queue;
        await session.dispose();
      },
    };
  } catch (error) {
    await session.dispose();
    throw error;
  }
}
