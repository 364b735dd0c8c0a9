import { type Confusion, descendingOrder, metricsFromConfusion, weightedRankingMetrics } from './metrics.js';
import { percentileOfSorted, seededRandom } from './random.js';

/** A two-sided interval. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

export const BOOTSTRAP_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'roc_auc',
  'pr_auc',
  'pr_auc_trapezoid',
] as const;
export type BootstrapMetric = (typeof BOOTSTRAP_METRICS)[number];

export interface BootstrapOptions {
  /** Number of resamples; default 1000. */
  readonly resamples?: number;
  /** PRNG seed; default 0, so the same predictions give the same intervals. */
  readonly seed?: number;
  /** Coverage of the interval; default 0.95. */
  readonly level?: number;
}

/** How the intervals were computed, recorded in the report. */
export interface BootstrapSettings {
  readonly method: 'percentile';
  readonly resamples: number;
  readonly seed: number;
  readonly level: number;
}

/**
 * Percentile bootstrap intervals of every metric: resample the images with replacement `resamples` times,
 * recompute, take the (1-level)/2 and (1+level)/2 percentiles. Resamples with one class only are skipped for the
 * AUCs (undefined there); an interval is null when no resample defined the metric.
 */
export function bootstrapIntervals(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold = 0.5,
  options: BootstrapOptions = {},
): { readonly settings: BootstrapSettings; readonly intervals: Record<BootstrapMetric, Interval | null> } {
  const resamples = options.resamples ?? 1000;
  const seed = options.seed ?? 0;
  const level = options.level ?? 0.95;
  const n = truth.length;
  const random = seededRandom(seed);
  // Sort once; a resample is a vector of counts over the original images, so no re-sorting is needed.
  const order = descendingOrder(scores);
  const counts = new Float64Array(n);
  const samples: Record<BootstrapMetric, number[]> = {
    accuracy: [],
    precision: [],
    recall: [],
    f1: [],
    roc_auc: [],
    pr_auc: [],
    pr_auc_trapezoid: [],
  };
  for (let r = 0; r < resamples && n > 0; r++) {
    counts.fill(0);
    for (let k = 0; k < n; k++) counts[Math.floor(random() * n)]++;
    let tp = 0;
    let fp = 0;
    let tn = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      const w = counts[i];
      if (w === 0) continue;
      const called = scores[i] >= threshold;
      if (truth[i] === 1) {
        if (called) tp += w;
        else fn += w;
      } else if (called) fp += w;
      else tn += w;
    }
    const confusion: Confusion = { tp, fp, tn, fn };
    const m = metricsFromConfusion(confusion);
    samples.accuracy.push(m.accuracy);
    samples.precision.push(m.precision);
    samples.recall.push(m.recall);
    samples.f1.push(m.f1);
    const ranking = weightedRankingMetrics(truth, scores, order, counts);
    if (ranking.roc_auc !== null) samples.roc_auc.push(ranking.roc_auc);
    if (ranking.pr_auc !== null) samples.pr_auc.push(ranking.pr_auc);
    if (ranking.pr_auc_trapezoid !== null) samples.pr_auc_trapezoid.push(ranking.pr_auc_trapezoid);
  }
  const intervals = {} as Record<BootstrapMetric, Interval | null>;
  for (const name of BOOTSTRAP_METRICS) {
    const values = samples[name].sort((a, b) => a - b);
    intervals[name] =
      values.length === 0
        ? null
        : { low: percentileOfSorted(values, (1 - level) / 2), high: percentileOfSorted(values, (1 + level) / 2) };
  }
  return { settings: { method: 'percentile', resamples, seed, level }, intervals };
}
