import type { BlurgateErrorCode } from './errors.js';

/** The three answers of the gate. */
export type BlurLabel = 'sharp' | 'blurred' | 'uncertain';

/** Softmax probabilities at one TTA scale. */
export interface ScaleProbabilities {
  readonly scale: number;
  readonly probSharp: number;
  readonly probBlurred: number;
}

/** What the gate says about one image. */
export interface BlurPrediction {
  readonly label: BlurLabel;
  /** max(probSharp, probBlurred) of the TTA-averaged probabilities. */
  readonly confidence: number;
  readonly probSharp: number;
  readonly probBlurred: number;
  /** Per-scale probabilities, in the order of the scales used. */
  readonly scales: readonly ScaleProbabilities[];
}

/** Thresholds of the routing step (docs/reference-arithmetic.md §1.6). */
export interface RoutingThresholds {
  /** Below this confidence the label is `uncertain`. Default 0.60. */
  readonly confidenceThreshold: number;
  /** At or above this p_blurred the label is `blurred`. Default 0.50. */
  readonly blurThreshold: number;
}

/** An error attached to one input of a batch; the batch goes on. Made by `failureOf`. */
export interface ClassifyFailure {
  readonly code: BlurgateErrorCode;
  readonly message: string;
}

/** One input's outcome in a batch: a prediction or an error a person can act on. */
export type ClassifyResult<Input = string> =
  | ({ readonly status: 'ok'; readonly input: Input } & BlurPrediction)
  | { readonly status: 'error'; readonly input: Input; readonly error: ClassifyFailure };

/** The card's 5-scale TTA recipe. */
export const DEFAULT_SCALES: readonly number[] = Object.freeze([256, 320, 384, 448, 512]);
/** Single-scale inference. */
export const FAST_SCALES: readonly number[] = Object.freeze([384]);
export const DEFAULT_CONFIDENCE_THRESHOLD = 0.6;
export const DEFAULT_BLUR_THRESHOLD = 0.5;
