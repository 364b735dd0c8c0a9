import { type AbortSignalLike, throwIfAborted, whileNotAborted } from './abort.js';
import { createBlurClassifier } from './blur-classifier.js';
import type { BlurGate, ClassifyManyOptions, ClassifyOptions } from './blur-gate.js';
import type { BlurGateModelInfo } from './blur-gate-model-info.js';
import { classifyStream } from './classify-stream.js';
import { BlurgateError, ModelError } from './errors.js';
import { checkConcurrency, type GateOptions, resolveGateOptions } from './gate-options.js';
import type { ModelManifest } from './model-manifest.js';
import { checkModelInputs, type ModelInputSource, type ModelInputs } from './model-inputs.js';
import type { PixelImage } from './pixel-image.js';
import type { BlurPrediction, ClassifyResult } from './prediction.js';
import { checkSessionChannels } from './predict-tta.js';
import type { InferenceRuntime } from './runtime.js';
import { SerialQueue } from './serial-queue.js';

/** The model a platform hands to {@link createGate}: its ONNX bytes and what is known about them. */
export interface GateModel {
  /** The ONNX bytes. */
  readonly bytes: Uint8Array;
  /** The validated manifest (see `parseModelManifest`), or null to run with the defaults. */
  readonly manifest?: ModelManifest | null;
  /** Default: the manifest's name, else `in-memory`. */
  readonly name?: string;
  /** Default: the manifest's version, else `unversioned`. */
  readonly version?: string;
  /** sha256 (hex) of `bytes`, computed by the platform; checked against the manifest's. Null when unknown. */
  readonly sha256?: string | null;
  /** The file or URL the bytes came from, or null. */
  readonly path?: string | null;
}

/** What a decoder is told for each image. */
export interface DecodeOptions {
  /** The gate's pixel limit; undefined: the decoder's default. Decoders check it with `assertPixelLimit`. */
  readonly maxPixels?: number;
  readonly signal?: AbortSignalLike;
  /**
   * The gate's TTA scales: the model never sees the image larger than the largest, so a decoder may decode a
   * huge image at a reduced size on request (node's opt-in `fastDecode`); by default decoders ignore it.
   */
  readonly scales?: readonly number[];
}

/** A platform's image decoder (sharp in Node, canvas in browsers). Throws `ImageInputError`. */
export type ImageDecoder<Input> = (input: Input, options: DecodeOptions) => Promise<PixelImage>;

/** What a platform's {@link InputPreparer} is told for each image. */
export interface PrepareRequest extends DecodeOptions {
  /** The gate's TTA scales, in order: one input per scale. */
  readonly scales: readonly number[];
  /** The model's input channels. */
  readonly channels: 3 | 4;
  /** Images smaller than this on either side are refused (`INVALID_IMAGE`). */
  readonly minSide: number;
}

/**
 * Decodes one input and builds its model inputs (`decode` then `prepareModelInputs`), wherever the platform
 * likes: node's worker pool runs it in worker threads and transfers the arrays back. Throws `ImageInputError`
 * for the image's faults, like a decoder.
 */
export type InputPreparer<Input> = (input: Input, request: PrepareRequest) => Promise<ModelInputs>;

/** What a platform plugs into {@link createGate}. */
export interface CreateGateParams<Input> {
  /** Makes the model session (onnxruntime-node, onnxruntime-web, or a test double). */
  readonly runtime: InferenceRuntime;
  /** Turns the platform's inputs into pixels. */
  readonly decode: ImageDecoder<Input>;
  /**
   * Optional: decodes and preprocesses an input elsewhere (e.g. a worker pool). Default: `decode`, then the
   * gate's preprocessor on the calling thread. Either way preprocessing runs outside the one-inference-at-a-time
   * section, so the next images are prepared while the model runs. `classifyPixels` always prepares in-thread.
   */
  readonly prepare?: InputPreparer<Input>;
  /**
   * Optional, with `prepare`: receives each input set `prepare` made once its run has finished (also after a failed
   * or aborted run), so the platform can reuse the arrays (node's pool sends them back to its workers). Nobody
   * reads them afterwards.
   */
  readonly recycle?: (inputs: ModelInputs) => void;
  /** Called by `dispose()` after the session is freed (e.g. to shut a worker pool down). */
  readonly onDispose?: () => Promise<void>;
  readonly model: GateModel;
  readonly options?: GateOptions;
}

function disposedError(): BlurgateError {
  return new BlurgateError('DISPOSED', 'this blur gate was disposed; create a new one with createBlurGate()');
}

/**
 * Makes the blur gate every platform returns, from what the platform plugs in: a runtime, a
 * decoder, and the model's bytes with its manifest (the split of onnxruntime's `js/common`: one
 * session type, backends implement a handler). Owns everything that is not the platform's:
 * option resolution from the manifest, the manifest's checksum and channel checks, one inference
 * at a time, per-image failure records, ordered streaming with concurrency and abort, disposal.
 *
 * @param params - `runtime`, `decode`, `model` (`bytes`, `manifest`, `sha256`, ...) and `options`.
 * @returns A ready {@link BlurGate}; `dispose()` it when done.
 * @throws {@link OptionError} `INVALID_OPTION` for an option out of range (before the model is loaded).
 * @throws {@link ModelError} `CHECKSUM_MISMATCH` when `model.sha256` differs from the manifest's;
 *   `UNSUPPORTED_MODEL` when the session's input channels are not 3 or 4 or differ from the manifest's;
 *   whatever `runtime.loadModel` throws.
 * @example
 * ```ts
 * // createGate comes from @blurgate/core; runtime is an InferenceRuntime, bytes and manifest a model's.
 * const gate = await createGate({
 *   runtime,                                   // an InferenceRuntime
 *   decode: async (image: PixelImage) => image, // inputs that are already pixels
 *   model: { bytes, manifest },
 *   options: { fast: true },
 * });
 * const { label } = await gate.classify(pixels);
 * await gate.dispose();
 * ```
 */
export async function createGate<Input>(params: CreateGateParams<Input>): Promise<BlurGate<Input>> {
  const { runtime, decode, model } = params;
  const manifest = model.manifest ?? null;
  const resolved = resolveGateOptions(params.options ?? {}, manifest);
  const where = model.path ?? model.name ?? manifest?.name ?? 'the model';
  const sha256 = model.sha256 ?? null;
  if (manifest?.sha256 && sha256 && manifest.sha256.toLowerCase() !== sha256.toLowerCase()) {
    throw new ModelError(
      'CHECKSUM_MISMATCH',
      `${where}: sha256 is ${sha256} but its manifest says ${manifest.sha256}; the file is corrupt or was replaced, reinstall the model`,
    );
  }

  const session = await runtime.loadModel(model.bytes);
  let classifier: ReturnType<typeof createBlurClassifier>;
  try {
    const channels = checkSessionChannels(session);
    if (manifest && manifest.inputChannels !== channels) {
      throw new ModelError(
        'UNSUPPORTED_MODEL',
        `${where}: the manifest says ${manifest.inputChannels} input channels but the model takes ${channels}; the manifest belongs to another model`,
      );
    }
    classifier = createBlurClassifier(session, {
      scales: resolved.scales,
      confidenceThreshold: resolved.thresholds.confidenceThreshold,
      blurThreshold: resolved.thresholds.blurThreshold,
      preprocessor: params.options?.preprocessor,
    });
  } catch (error) {
    await session.dispose();
    throw error;
  }

  const info: BlurGateModelInfo = {
    name: model.name ?? manifest?.name ?? 'in-memory',
    version: model.version ?? manifest?.version ?? 'unversioned',
    sha256: sha256 ?? '',
    inputChannels: session.inputChannels,
    path: model.path ?? null,
    manifest,
  };
  const queue = new SerialQueue();
  let disposed = false;
  let sessionFreed = false;
  let disposing: Promise<void> = Promise.resolve();

  const usable = (signal?: AbortSignalLike): void => {
    if (disposed) throw disposedError();
    throwIfAborted(signal);
  };

  // Only inference is serialised: decoding and preprocessing (on this thread, or in a platform's workers through
  // `prepare`) happen before a run is queued, never in front of a queued run. In-thread, an image's scales are all
  // built before its run is queued, unless the session runs off this thread (`runsOffThread`, node's
  // `sessionThread: 'worker'`): then the first is, and each further one right after the previous scale's run has
  // started (runModelInputs), beside the model. onnxruntime-node's run otherwise holds the calling thread, so there
  // in-thread preprocessing happens between runs; the prepare pool's workers overlap the runs either way (decoding
  // with sharp always does).
  // The arithmetic is classifier.classify's: infer(defer(image)).
  const infer = async <Inputs extends ModelInputs | ModelInputSource>(
    inputs: Inputs,
    options: ClassifyOptions,
    recycle?: (inputs: Inputs) => void,
  ): Promise<BlurPrediction> => {
    usable(options.signal);
    const run = queue.run(() => {
      if (sessionFreed) throw disposedError();
      throwIfAborted(options.signal);
      return classifier.infer(inputs, { signal: options.signal });
    });
    // Inputs go back to whoever built them when the run itself ends, not when an abort answers early.
    if (recycle) {
      const giveBack = (): void => recycle(inputs);
      run.then(giveBack, giveBack);
    }
    // A run cannot be interrupted between its operators; an abort answers at once and the run ends unseen.
    return whileNotAborted(run, options.signal);
  };

  const classifyPixels = async (image: PixelImage, options: ClassifyOptions = {}): Promise<BlurPrediction> => {
    usable(options.signal);
    return infer(classifier.defer(image), options, (inputs) => inputs.recycle());
  };

  const prepareHook = params.prepare;
  const request = {
    maxPixels: resolved.maxPixels,
    scales: classifier.scales,
    channels: classifier.channels,
    minSide: classifier.minSide,
  };
  const classify = async (input: Input, options: ClassifyOptions = {}): Promise<BlurPrediction> => {
    usable(options.signal);
    if (prepareHook) {
      let prepared: ModelInputs;
      try {
        prepared = await whileNotAborted(prepareHook(input, { ...request, signal: options.signal }), options.signal);
      } catch (error) {
        // A platform's workers stop when the gate is disposed: their unfinished tasks fail for that reason.
        if (disposed) throw disposedError();
        throw error;
      }
      return infer(checkModelInputs(prepared, classifier.scales, classifier.channels), options, params.recycle);
    }
    const image = await decode(input, {
      maxPixels: resolved.maxPixels,
      scales: classifier.scales,
      signal: options.signal,
    });
    return classifyPixels(image, options);
  };

  return {
    model: info,
    runtimeName: runtime.name,
    scales: classifier.scales,
    thresholds: classifier.thresholds,
    classify,
    classifyPixels,
    classifyMany<I extends Input>(
      inputs: Iterable<I> | AsyncIterable<I>,
      options: ClassifyManyOptions = {},
    ): AsyncIterable<ClassifyResult<I>> {
      const concurrency =
        options.concurrency === undefined ? resolved.concurrency : checkConcurrency(options.concurrency);
      return classifyStream(inputs, classify, { concurrency, signal: options.signal });
    },
    async dispose(): Promise<void> {
      if (disposed) return disposing;
      disposed = true;
      // Queued behind every run already accepted; runs queued later see sessionFreed.
      disposing = queue
        .run(async () => {
          sessionFreed = true;
          await session.dispose();
        })
        .finally(() => params.onDispose?.());
      return disposing;
    },
  };
}
