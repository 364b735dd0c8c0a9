import { type AbortSignalLike, throwIfAborted } from './abort.js';
import { ModelError, OptionError } from './errors.js';
import type { PixelImage } from './pixel-image.js';
import type { ScaleProbabilities } from './prediction.js';
import { deferModelInputs, type ModelInputSource, type ModelInputs, modelInputSource } from './model-inputs.js';
import { createPreprocessor, type Preprocessor } from './preprocessor.js';
import type { ModelSession } from './runtime.js';
import { softmax } from './softmax.js';

/** TTA-averaged probabilities and the per-scale ones they came from. */
export interface TtaProbabilities {
  readonly probSharp: number;
  readonly probBlurred: number;
  readonly scales: readonly ScaleProbabilities[];
}

/** Checks TTA scales: a non-empty list of positive integers. Returns a frozen copy. */
export function validateScales(scales: readonly number[], name = 'scales'): readonly number[] {
  if (!Array.isArray(scales) || scales.length === 0) {
    throw new OptionError(`${name} must be a non-empty list of positive integers, e.g. [384]`);
  }
  for (const scale of scales) {
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale <= 0) {
      throw new OptionError(`${name} must be positive integers, got ${String(scale)} in [${scales.join(', ')}]`);
    }
  }
  return Object.freeze([...scales]);
}

/** The session's input channel count, or `ModelError('UNSUPPORTED_MODEL')` unless it is 3 or 4. */
export function checkSessionChannels(session: ModelSession): 3 | 4 {
  const channels = session.inputChannels;
  if (channels !== 3 && channels !== 4) {
    throw new ModelError(
      'UNSUPPORTED_MODEL',
      `the model takes ${String(channels)} input channels; blurgate supports 3 (FreqAux in the graph) or 4 (RGB + FreqAux)`,
    );
  }
  return channels;
}

/** Per-call options of {@link predictTta} and `BlurClassifier.classify`. */
export interface PredictOptions {
  /** Checked before each scale: an abort rejects with `BlurgateError('ABORTED')`. */
  readonly signal?: AbortSignalLike;
}

/** Options of {@link predictTta}: the per-call ones and the preprocessor that builds the model inputs. */
export interface PredictTtaOptions extends PredictOptions {
  /** Default: a fresh JS preprocessor (`createPreprocessor()`); pass a long-lived one (e.g. WebAssembly) to reuse it. */
  readonly preprocessor?: Preprocessor;
}

/**
 * Test-time augmentation (docs/reference-arithmetic.md §1.5): for each scale, builds the model input (FreqAux appended only
 * when the session takes 4 channels), runs it as a batch of one, takes the softmax of the two
 * logits, and averages the probability vectors over the scales.
 *
 * @param session - the model.
 * @param rgb - decoded pixels (1-4 channels; converted like Pillow's convert("RGB")).
 * @param scales - TTA scales, e.g. `[384]` or `DEFAULT_SCALES`.
 * @param options - `signal` (checked before each scale) and `preprocessor`.
 * @returns the averaged and the per-scale probabilities.
 * @throws ModelError('RUNTIME_FAILED') when the model fails, BlurgateError('ABORTED') on abort, OptionError for bad scales.
 * @example
 * const tta = await predictTta(session, image, [384], { preprocessor });
 */
export async function predictTta(
  session: ModelSession,
  rgb: PixelImage,
  scales: readonly number[],
  options: PredictTtaOptions = {},
): Promise<TtaProbabilities> {
  const checkedScales = validateScales(scales);
  const channels = checkSessionChannels(session);
  throwIfAborted(options.signal);
  const preprocessor = options.preprocessor ?? createPreprocessor();
  const buildAll = session.runsOffThread !== true;
  const inputs = deferModelInputs(rgb, { scales: checkedScales, channels, minSide: 1, preprocessor, buildAll });
  try {
    return await runModelInputs(session, inputs, options);
  } finally {
    // runModelInputs has settled only once no run it started is in flight.
    inputs.recycle();
  }
}

/** Starts one run; a session whose `run` throws instead of rejecting fails the same way. */
function startRun(session: ModelSession, input: Float32Array, channels: 3 | 4, scale: number): Promise<Float32Array> {
  try {
    return session.run(input, [1, channels, scale, scale]);
  } catch (cause) {
    return Promise.reject(cause);
  }
}

/**
 * The inference half of {@link predictTta}: runs prepared inputs ({@link prepareModelInputs}, or a
 * {@link ModelInputSource} such as one from {@link deferModelInputs}) scale by scale as batches of one, takes the softmax of
 * the two logits, and averages the probability vectors over the scales (the same sums in the same order as
 * `predictTta`). Scale k+1's input is asked for right after scale k's run has started and before it is awaited:
 * with a session that runs off this thread (`runsOffThread`, node's `sessionThread: 'worker'`) a deferred source
 * builds it beside the model. When this settles, no run it started
 * is still in flight, so the caller may recycle the inputs.
 *
 * @param session - the model.
 * @param prepared - the inputs, one per scale, for the session's channel count.
 * @param options - `signal`, checked before each scale's run.
 * @returns the averaged and the per-scale probabilities.
 * @throws ModelError('RUNTIME_FAILED') when the model fails, BlurgateError('ABORTED') on abort; whatever the source
 *   throws building an input.
 * @example
 * const tta = await runModelInputs(session, prepareModelInputs(image, { scales: [384], channels: 4, minSide: 16, preprocessor }));
 */
export async function runModelInputs(
  session: ModelSession,
  prepared: ModelInputs | ModelInputSource,
  options: PredictOptions = {},
): Promise<TtaProbabilities> {
  const source = modelInputSource(prepared);
  const { channels, scales } = source;
  const perScale: ScaleProbabilities[] = [];
  let sumSharp = 0;
  let sumBlurred = 0;
  let next: Float32Array | undefined;
  for (const [index, scale] of scales.entries()) {
    throwIfAborted(options.signal);
    const running = startRun(session, next ?? source.input(index), channels, scale);
    if (index + 1 < scales.length) {
      try {
        next = source.input(index + 1);
      } catch (error) {
        // The run goes on regardless: let it end before failing, so the caller recycles no array still in use.
        await running.catch(() => undefined);
        throw error;
      }
    }
    let logits: Float32Array;
    try {
      logits = await running;
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new ModelError('RUNTIME_FAILED', `the model failed at scale ${scale}: ${reason}`, { cause });
    }
    if (!logits || logits.length < 2 || !Number.isFinite(logits[0]) || !Number.isFinite(logits[1])) {
      throw new ModelError(
        'RUNTIME_FAILED',
        `the model must return 2 finite logits (sharp, blurred) at scale ${scale}, got [${Array.from(logits ?? [])
          .slice(0, 4)
          .join(', ')}]`,
      );
    }
    const [probSharp, probBlurred] = softmax([logits[0], logits[1]]);
    perScale.push({ scale, probSharp, probBlurred });
    sumSharp += probSharp;
    sumBlurred += probBlurred;
  }
  return {
    probSharp: sumSharp / perScale.length,
    probBlurred: sumBlurred / perScale.length,
    scales: perScale,
  };
}
