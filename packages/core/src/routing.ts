import { OptionError } from './errors.js';
import {
  type BlurLabel,
  DEFAULT_BLUR_THRESHOLD,
  DEFAULT_CONFIDENCE_THRESHOLD,
  type RoutingThresholds,
} from './prediction.js';

function checkThreshold(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new OptionError(`${name} must be a number between 0 and 1, got ${String(value)}`);
  }
  return value;
}

/** Fills in the defaults (0.60 confidence, 0.50 blur) and checks each threshold is in [0, 1]. */
export function resolveThresholds(partial?: Partial<RoutingThresholds>): RoutingThresholds {
  return {
    confidenceThreshold: checkThreshold(
      'confidenceThreshold',
      partial?.confidenceThreshold,
      DEFAULT_CONFIDENCE_THRESHOLD,
    ),
    blurThreshold: checkThreshold('blurThreshold', partial?.blurThreshold, DEFAULT_BLUR_THRESHOLD),
  };
}

/** The label and confidence routed from TTA-averaged probabilities. */
export interface RoutedLabel {
  readonly label: BlurLabel;
  readonly confidence: number;
}

/**
 * docs/reference-arithmetic.md §1.6: `confidence = max(pSharp, pBlurred)`; below the confidence threshold the label is
 * `uncertain`, else `blurred` when `pBlurred >= blurThreshold`, else `sharp`.
 */
export function routePrediction(probSharp: number, probBlurred: number, thresholds: RoutingThresholds): RoutedLabel {
  const confidence = Math.max(probSharp, probBlurred);
  let label: BlurLabel;
  if (confidence < thresholds.confidenceThreshold) label = 'uncertain';
  else if (probBlurred >= thresholds.blurThreshold) label = 'blurred';
  else label = 'sharp';
  return { label, confidence };
}
