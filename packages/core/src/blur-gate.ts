import type { AbortSignalLike } from './abort.js';
import type { BlurGateModelInfo } from './blur-gate-model-info.js';
import type { PixelImage } from './pixel-image.js';
import type { BlurPrediction, ClassifyResult, RoutingThresholds } from './prediction.js';

/** Per-call options of `classify` and `classifyPixels`. */
export interface ClassifyOptions {
  /** An abort rejects the call with `BlurgateError('ABORTED')`. */
  readonly signal?: AbortSignalLike;
}

/** Options of `classifyMany`. */
export interface ClassifyManyOptions extends ClassifyOptions {
  /** Images decoded ahead while the model runs, 1 to 64; default: the gate's (node: min(4, max(2, CPUs)); web: 2). */
  readonly concurrency?: number;
}

/**
 * A loaded model with its scales and thresholds, ready to classify images. One type on every
 * platform: `@blurgate/node` and `@blurgate/web` re-export it, and `Input` is what the
 * platform's decoder reads (node: a path or encoded bytes; web: a Blob, URL, canvas, ...).
 */
export interface BlurGate<Input = unknown> {
  /** What the gate runs: name, version, sha256, input channels, manifest. */
  readonly model: BlurGateModelInfo;
  /** The inference runtime, for reports, e.g. `onnxruntime-node 1.30.0`. */
  readonly runtimeName: string;
  /** The TTA scales in use. */
  readonly scales: readonly number[];
  /** The routing thresholds in use. */
  readonly thresholds: RoutingThresholds;
  /**
   * Decodes and classifies one image. Throws `ImageInputError` for unusable images, `ModelError`
   * when the model fails, `ABORTED` on the signal and `DISPOSED` after `dispose()`.
   */
  classify(input: Input, options?: ClassifyOptions): Promise<BlurPrediction>;
  /**
   * Classifies already decoded pixels (1 to 4 channels). Throws like `classify`. The pixels may be read until the
   * returned promise settles (with a session that runs off the calling thread, TTA scales after the first are built
   * while the previous scale runs): do not change them before then.
   */
  classifyPixels(image: PixelImage, options?: ClassifyOptions): Promise<BlurPrediction>;
  /**
   * Classifies many images, yielding one result per input in input order; decoding of the next
   * images overlaps inference. Image failures are `{status: 'error'}` results and the batch goes on;
   * an abort (`ABORTED`) or `dispose()` (`DISPOSED`) ends it with that error.
   */
  classifyMany<I extends Input>(
    inputs: Iterable<I> | AsyncIterable<I>,
    options?: ClassifyManyOptions,
  ): AsyncIterable<ClassifyResult<I>>;
  /** Waits for the running inference, then frees the model session. Later calls throw `DISPOSED`. */
  dispose(): Promise<void>;
}
