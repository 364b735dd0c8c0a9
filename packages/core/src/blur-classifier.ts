import { throwIfAborted } from './abort.js';
import { OptionError } from './errors.js';
import type { PixelImage } from './pixel-image.js';
import { type BlurPrediction, DEFAULT_SCALES, FAST_SCALES, type RoutingThresholds } from './prediction.js';
import {
  type DeferredModelInputs,
  deferModelInputs,
  type ModelInputSource,
  type ModelInputs,
  prepareModelInputs,
  recycleModelInputs,
} from './model-inputs.js';
import { checkSessionChannels, type PredictOptions, runModelInputs, validateScales } from './predict-tta.js';
import { createPreprocessor, type Preprocessor } from './preprocessor.js';
import { resolveThresholds, routePrediction } from './routing.js';
import type { ModelSession } from './runtime.js';

/** Default smallest accepted side, in pixels. */
export const DEFAULT_MIN_SIDE = 16;

export interface BlurClassifierOptions {
  /** TTA scales; default {@link DEFAULT_SCALES}. Not together with `fast`. */
  readonly scales?: readonly number[];
  /** Single-scale inference ({@link FAST_SCALES}). */
  readonly fast?: boolean;
  /** Below this confidence the label is `uncertain` (default 0.60). */
  readonly confidenceThreshold?: number;
  /** At or above this p_blurred the label is `blurred` (default 0.50). */
  readonly blurThreshold?: number;
  /** Images smaller than this on either side are refused (default 16). */
  readonly minSide?: number;
  /**
   * Builds the model inputs; default `createPreprocessor()` (portable JS). Pass
   * `createPreprocessor({ wasm })` with kernels from node's or web's `loadPreprocessKernels()` for WebAssembly SIMD.
   */
  readonly preprocessor?: Preprocessor;
}

export interface BlurClassifier {
  readonly scales: readonly number[];
  readonly thresholds: RoutingThresholds;
  /**
   * Converts to RGB, runs TTA and routes the result. Throws ImageInputError for unusable images,
   * ModelError('RUNTIME_FAILED') when the model fails, BlurgateError('ABORTED') on `options.signal`.
   */
  classify(image: PixelImage, options?: PredictOptions): Promise<BlurPrediction>;
  /** The session's input channels (what {@link BlurClassifier.prepare} builds). */
  readonly channels: 3 | 4;
  /** Images smaller than this on either side are refused. */
  readonly minSide: number;
  /**
   * The preprocessing half of `classify` (synchronous, on the calling thread): checks the image and builds its
   * model inputs at every scale. Throws ImageInputError for unusable images.
   */
  prepare(image: PixelImage): ModelInputs;
  /**
   * Like {@link BlurClassifier.prepare}, but for a session that `runsOffThread` builds only the first scale now and
   * the others while `infer` runs the previous scale (see `deferModelInputs`): what `classify` uses. Throws ImageInputError for unusable images.
   * `recycle()` the result once `infer` has settled; the image's pixels must not change before then.
   */
  defer(image: PixelImage): DeferredModelInputs;
  /**
   * The inference half of `classify`: runs prepared or deferred inputs and routes the result (`classify(image)` is
   * `infer(defer(image))`, the same numbers as `infer(prepare(image))`). Throws ModelError('RUNTIME_FAILED') or
   * BlurgateError('ABORTED').
   */
  infer(inputs: ModelInputs | ModelInputSource, options?: PredictOptions): Promise<BlurPrediction>;
  /**
   * Gives inputs from {@link BlurClassifier.prepare} back once nothing uses them (their run has finished), so
   * later images reuse the arrays instead of allocating (`classify` does this itself). Never for inputs still held.
   */
  recycle(inputs: ModelInputs): void;
}

/**
 * Binds a model session to scales and thresholds. Options and the session's input channels are
 * checked here, once (`OptionError` / `ModelError`), so `classify` only fails for its image or the runtime.
 * The lower layer of {@link createGate}: no decoding, no manifest, no run serialisation.
 *
 * @param session - A loaded model (from an `InferenceRuntime`, or any object running NCHW float32 batches).
 * @param options - `scales` or `fast`, `confidenceThreshold`, `blurThreshold`, `minSide` (default 16).
 * @returns A {@link BlurClassifier}: `scales`, `thresholds` and `classify(pixels, {signal}?)`.
 * @throws {@link OptionError} `INVALID_OPTION` for bad options; {@link ModelError} `UNSUPPORTED_MODEL`
 *   when the session does not take 3 or 4 channels.
 * @example
 * ```ts
 * const classifier = createBlurClassifier(session, { scales: [256, 384] });
 * const { label, probBlurred } = await classifier.classify({ data, width, height, channels: 3 });
 * ```
 */
export function createBlurClassifier(session: ModelSession, options: BlurClassifierOptions = {}): BlurClassifier {
  const channels = checkSessionChannels(session);
  if (options.fast && options.scales !== undefined) {
    throw new OptionError('pass either scales or fast, not both (fast means scales [384])');
  }
  const scales = validateScales(options.scales ?? (options.fast ? FAST_SCALES : DEFAULT_SCALES));
  const thresholds = resolveThresholds({
    confidenceThreshold: options.confidenceThreshold,
    blurThreshold: options.blurThreshold,
  });
  const minSide = options.minSide ?? DEFAULT_MIN_SIDE;
  if (!Number.isInteger(minSide) || minSide < 1) {
    throw new OptionError(`minSide must be a positive integer, got ${String(minSide)}`);
  }
  const preprocessor = options.preprocessor ?? createPreprocessor();
  const prepare = (image: PixelImage): ModelInputs =>
    prepareModelInputs(image, { scales, channels, minSide, preprocessor });
  // Scale by scale beside the runs only when the runs leave this thread free (see ModelSession.runsOffThread).
  const buildAll = session.runsOffThread !== true;
  const defer = (image: PixelImage): DeferredModelInputs =>
    deferModelInputs(image, { scales, channels, minSide, preprocessor, buildAll });
  const infer = async (
    inputs: ModelInputs | ModelInputSource,
    callOptions: PredictOptions = {},
  ): Promise<BlurPrediction> => {
    const tta = await runModelInputs(session, inputs, { signal: callOptions.signal });
    const { label, confidence } = routePrediction(tta.probSharp, tta.probBlurred, thresholds);
    return { label, confidence, probSharp: tta.probSharp, probBlurred: tta.probBlurred, scales: tta.scales };
  };
  return {
    scales,
    thresholds,
    channels,
    minSide,
    prepare,
    defer,
    infer,
    recycle: (inputs: ModelInputs): void => recycleModelInputs(inputs, preprocessor),
    async classify(image: PixelImage, callOptions: PredictOptions = {}): Promise<BlurPrediction> {
      throwIfAborted(callOptions.signal);
      const inputs = defer(image);
      try {
        return await infer(inputs, callOptions);
      } finally {
        // infer has settled: every run it started has returned (aborts are checked between runs only).
        inputs.recycle();
      }
    },
  };
}
