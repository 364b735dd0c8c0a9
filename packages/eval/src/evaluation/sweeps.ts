import {
  binaryClfCurve,
  binaryMetrics,
  type BinaryMetrics,
  type Confusion,
  confusionAtThreshold,
  metricsFromConfusion,
  type ThresholdMetrics,
} from './metrics.js';

/** Metrics when an image is called blurred at `p_blurred >= threshold`. */
export interface BlurThresholdPoint extends ThresholdMetrics, Confusion {
  readonly threshold: number;
}

/** The blur threshold from 0 to 1 in `steps` equal steps (default 100: 0, 0.01, ..., 1). */
export function sweepBlurThreshold(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
  steps = 100,
): BlurThresholdPoint[] {
  const points: BlurThresholdPoint[] = [];
  for (let i = 0; i <= steps; i++) {
    const threshold = Number((i / steps).toFixed(6));
    const confusion = confusionAtThreshold(truth, scores, threshold);
    points.push({ threshold, ...metricsFromConfusion(confusion), ...confusion });
  }
  return points;
}

/** A threshold chosen for a target, with what it achieves on the data it was chosen on. */
export interface ThresholdChoice extends ThresholdMetrics, Confusion {
  readonly threshold: number;
}

function choiceAt(truth: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): ThresholdChoice {
  const confusion = confusionAtThreshold(truth, scores, threshold);
  return { threshold, ...metricsFromConfusion(confusion), ...confusion };
}

/**
 * The blur threshold with the highest recall whose precision is at least `target`, searched over the distinct
 * scores (exact on this data, not a grid); among equal recall the higher threshold. Null when none reaches it.
 */
export function thresholdForPrecision(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
  target: number,
): ThresholdChoice | null {
  const curve = binaryClfCurve(truth, scores);
  let best = -1;
  for (let i = 0; i < curve.thresholds.length; i++) {
    const precision = curve.tps[i] / (curve.tps[i] + curve.fps[i]);
    if (precision >= target && curve.tps[i] > 0 && (best < 0 || curve.tps[i] > curve.tps[best])) best = i;
  }
  return best < 0 ? null : choiceAt(truth, scores, curve.thresholds[best]);
}

/** The blur threshold with the highest precision whose recall is at least `target`; null when no positives. */
export function thresholdForRecall(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
  target: number,
): ThresholdChoice | null {
  const curve = binaryClfCurve(truth, scores);
  const n = curve.thresholds.length;
  if (n === 0 || curve.tps[n - 1] === 0) return null;
  const positives = curve.tps[n - 1];
  let best = -1;
  let bestPrecision = -1;
  for (let i = 0; i < n; i++) {
    const precision = curve.tps[i] / (curve.tps[i] + curve.fps[i]);
    if (curve.tps[i] / positives >= target && precision > bestPrecision) {
      best = i;
      bestPrecision = precision;
    }
  }
  return best < 0 ? null : choiceAt(truth, scores, curve.thresholds[best]);
}

/** The threshold that maximises F1 over the distinct scores (used for baselines swept on the test data). */
export function thresholdForBestF1(truth: ArrayLike<number>, scores: ArrayLike<number>): ThresholdChoice | null {
  const curve = binaryClfCurve(truth, scores);
  const n = curve.thresholds.length;
  if (n === 0) return null;
  const positives = curve.tps[n - 1];
  let best = 0;
  let bestF1 = -1;
  for (let i = 0; i < n; i++) {
    const fn = positives - curve.tps[i];
    const denominator = 2 * curve.tps[i] + curve.fps[i] + fn;
    const f1 = denominator === 0 ? 0 : (2 * curve.tps[i]) / denominator;
    if (f1 > bestF1) {
      bestF1 = f1;
      best = i;
    }
  }
  return choiceAt(truth, scores, curve.thresholds[best]);
}

/** The routing step of docs/reference-arithmetic.md §1.6 (mirrors core's `routePrediction`, kept local so sweeps stay arithmetic). */
export function routeLabel(
  probSharp: number,
  probBlurred: number,
  confidenceThreshold: number,
  blurThreshold: number,
): 'sharp' | 'blurred' | 'uncertain' {
  if (Math.max(probSharp, probBlurred) < confidenceThreshold) return 'uncertain';
  return probBlurred >= blurThreshold ? 'blurred' : 'sharp';
}

/** Coverage against accuracy at one confidence threshold. */
export interface ConfidencePoint extends ThresholdMetrics, Confusion {
  readonly threshold: number;
  /** Share of images not routed to `uncertain`. */
  readonly coverage: number;
  readonly decided: number;
  readonly uncertain: number;
}

/** Outcome of routing every image at the given thresholds: metrics on the decided images only. */
export function routedMetrics(
  truth: ArrayLike<number>,
  probBlurred: ArrayLike<number>,
  probSharp: ArrayLike<number>,
  confidenceThreshold: number,
  blurThreshold: number,
): ConfidencePoint {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let uncertain = 0;
  for (let i = 0; i < truth.length; i++) {
    const label = routeLabel(probSharp[i], probBlurred[i], confidenceThreshold, blurThreshold);
    if (label === 'uncertain') uncertain++;
    else if (truth[i] === 1) {
      if (label === 'blurred') tp++;
      else fn++;
    } else if (label === 'blurred') fp++;
    else tn++;
  }
  const decided = truth.length - uncertain;
  const confusion = { tp, fp, tn, fn };
  return {
    threshold: confidenceThreshold,
    coverage: truth.length === 0 ? 0 : decided / truth.length,
    decided,
    uncertain,
    ...metricsFromConfusion(confusion),
    ...confusion,
  };
}

/** The confidence threshold from 0.5 to 1 (default step 0.01): coverage against accuracy on what is decided. */
export function sweepConfidenceThreshold(
  truth: ArrayLike<number>,
  probBlurred: ArrayLike<number>,
  probSharp: ArrayLike<number>,
  blurThreshold = 0.5,
  steps = 50,
): ConfidencePoint[] {
  const points: ConfidencePoint[] = [];
  for (let i = 0; i <= steps; i++) {
    const threshold = Number((0.5 + (0.5 * i) / steps).toFixed(6));
    points.push(routedMetrics(truth, probBlurred, probSharp, threshold, blurThreshold));
  }
  return points;
}

/** Metrics of one single scale, or of the TTA average. */
export interface AblationRow extends BinaryMetrics {
  /** `256`, ..., or `tta` for the average over all scales. */
  readonly scales: string;
  readonly confusion: Confusion;
}

/** Per-scale ablation: each scale alone, then the TTA average, from per-scale p_blurred. */
export function scaleAblation(
  truth: ArrayLike<number>,
  perScale: ReadonlyMap<number, ArrayLike<number>>,
  tta: ArrayLike<number>,
  threshold = 0.5,
): AblationRow[] {
  const rows: AblationRow[] = [];
  for (const [scale, scores] of perScale)
    rows.push({ scales: String(scale), ...binaryMetrics(truth, scores, threshold) });
  rows.push({ scales: 'tta', ...binaryMetrics(truth, tta, threshold) });
  return rows;
}
