/**
 * Binary classification metrics with scikit-learn's definitions (positive class = blurred = 1).
 * Hand-written rather than pulled from a library because parity with sklearn (tie handling, zero_division=0,
 * average precision as a step sum) is the point; `test/evaluation/metrics.test.ts` compares every value with
 * sklearn's on fixed inputs written by `tools/fixtures/make_metric_fixtures.py`.
 */

/** Confusion counts with positive = blurred. */
export interface Confusion {
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/** Threshold metrics at one decision threshold. */
export interface ThresholdMetrics {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Every metric of a report; AUCs are null when the data holds one class only (sklearn raises there). */
export interface BinaryMetrics extends ThresholdMetrics {
  readonly roc_auc: number | null;
  /** sklearn `average_precision_score` (step sum, no interpolation). */
  readonly pr_auc: number | null;
  /** sklearn `auc(recall, precision)` over `precision_recall_curve` (trapezoids; optimistic). */
  readonly pr_auc_trapezoid: number | null;
}

/** One point of a ROC curve: the share of each class scored at or above `threshold`. */
export interface RocPoint {
  readonly threshold: number;
  readonly fpr: number;
  readonly tpr: number;
}

/** One point of a precision-recall curve (sklearn's `precision_recall_curve` order: recall decreasing). */
export interface PrPoint {
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
}

/** Counts of a binary decision: `truth[i]` is 1 for blurred, `predicted[i]` true when called blurred. */
export function confusionFromPredictions(truth: ArrayLike<number>, predicted: ArrayLike<boolean>): Confusion {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < truth.length; i++) {
    const positive = truth[i] === 1;
    if (predicted[i]) {
      if (positive) tp++;
      else fp++;
    } else if (positive) fn++;
    else tn++;
  }
  return { tp, fp, tn, fn };
}

/** Confusion counts when an image is called blurred at `score >= threshold`. */
export function confusionAtThreshold(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold: number,
): Confusion {
  return confusionFromPredictions(
    truth,
    Array.from(scores, (score) => score >= threshold),
  );
}

/** Accuracy, precision, recall and F1 from counts, with sklearn's `zero_division=0`. */
export function metricsFromConfusion(c: Confusion): ThresholdMetrics {
  const n = c.tp + c.fp + c.tn + c.fn;
  const f1Denominator = 2 * c.tp + c.fp + c.fn;
  return {
    accuracy: n === 0 ? 0 : (c.tp + c.tn) / n,
    precision: c.tp + c.fp === 0 ? 0 : c.tp / (c.tp + c.fp),
    recall: c.tp + c.fn === 0 ? 0 : c.tp / (c.tp + c.fn),
    f1: f1Denominator === 0 ? 0 : (2 * c.tp) / f1Denominator,
  };
}

/**
 * Cumulative (false, true) positive counts at each distinct score, scores descending: sklearn's
 * `_binary_clf_curve`, optionally with per-sample weights (the bootstrap passes resample counts).
 */
export interface ClfCurve {
  readonly thresholds: Float64Array;
  readonly fps: Float64Array;
  readonly tps: Float64Array;
}

/** Indices sorting `scores` descending (stable), computed once and reused by the bootstrap. */
export function descendingOrder(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order;
}

/** sklearn `_binary_clf_curve` over samples pre-sorted by `order`; `weights` defaults to 1 each. */
export function binaryClfCurve(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
  order: ArrayLike<number> = descendingOrder(scores),
  weights?: ArrayLike<number>,
): ClfCurve {
  const thresholds: number[] = [];
  const fps: number[] = [];
  const tps: number[] = [];
  let tp = 0;
  let fp = 0;
  let groupWeight = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const w = weights ? weights[i] : 1;
    groupWeight += w;
    if (truth[i] === 1) tp += w;
    else fp += w;
    const last = k === order.length - 1;
    // A threshold closes where the next score differs: ties move together (sklearn's distinct_value_indices).
    // A score whose samples all have weight 0 (absent from a bootstrap resample) is no threshold at all.
    if ((last || scores[order[k + 1]] !== scores[i]) && groupWeight > 0) {
      groupWeight = 0;
      thresholds.push(scores[i]);
      fps.push(fp);
      tps.push(tp);
    }
  }
  return { thresholds: Float64Array.from(thresholds), fps: Float64Array.from(fps), tps: Float64Array.from(tps) };
}

/** ROC curve without dropping collinear points; the first point is (0, 0) at threshold +Infinity. */
export function rocCurve(curve: ClfCurve): RocPoint[] {
  const n = curve.thresholds.length;
  const totalFp = n ? curve.fps[n - 1] : 0;
  const totalTp = n ? curve.tps[n - 1] : 0;
  const points: RocPoint[] = [{ threshold: Number.POSITIVE_INFINITY, fpr: 0, tpr: 0 }];
  for (let i = 0; i < n; i++) {
    points.push({
      threshold: curve.thresholds[i],
      fpr: totalFp === 0 ? Number.NaN : curve.fps[i] / totalFp,
      tpr: totalTp === 0 ? Number.NaN : curve.tps[i] / totalTp,
    });
  }
  return points;
}

/** sklearn `roc_auc_score` (trapezoids over the ROC curve); null when one class is missing. */
export function rocAucFromCurve(curve: ClfCurve): number | null {
  const n = curve.thresholds.length;
  if (n === 0) return null;
  const totalFp = curve.fps[n - 1];
  const totalTp = curve.tps[n - 1];
  if (totalFp === 0 || totalTp === 0) return null;
  let area = 0;
  let prevX = 0;
  let prevY = 0;
  for (let i = 0; i < n; i++) {
    const x = curve.fps[i] / totalFp;
    const y = curve.tps[i] / totalTp;
    area += ((x - prevX) * (y + prevY)) / 2;
    prevX = x;
    prevY = y;
  }
  return area;
}

/**
 * sklearn `precision_recall_curve`: one point per distinct score down to the first threshold that reaches full
 * recall, in sklearn's order (recall decreasing), ending with (precision 1, recall 0).
 */
export function precisionRecallCurve(curve: ClfCurve): PrPoint[] {
  const n = curve.thresholds.length;
  const totalTp = n ? curve.tps[n - 1] : 0;
  // sklearn stops at the first threshold where full recall is reached (last_ind).
  let lastInd = n - 1;
  for (let i = 0; i < n; i++) {
    if (curve.tps[i] === totalTp) {
      lastInd = i;
      break;
    }
  }
  const points: PrPoint[] = [];
  for (let i = lastInd; i >= 0; i--) {
    const predictedPositive = curve.tps[i] + curve.fps[i];
    points.push({
      threshold: curve.thresholds[i],
      precision: predictedPositive === 0 ? 0 : curve.tps[i] / predictedPositive,
      recall: totalTp === 0 ? Number.NaN : curve.tps[i] / totalTp,
    });
  }
  points.push({ threshold: Number.POSITIVE_INFINITY, precision: 1, recall: 0 });
  return points;
}

/** sklearn `average_precision_score`: sum over thresholds of (R_n - R_{n-1}) * P_n; null without positives. */
export function averagePrecisionFromCurve(curve: ClfCurve): number | null {
  const n = curve.thresholds.length;
  if (n === 0 || curve.tps[n - 1] === 0) return null;
  const totalTp = curve.tps[n - 1];
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < n; i++) {
    const recall = curve.tps[i] / totalTp;
    const predictedPositive = curve.tps[i] + curve.fps[i];
    const precision = predictedPositive === 0 ? 0 : curve.tps[i] / predictedPositive;
    ap += (recall - prevRecall) * precision;
    prevRecall = recall;
    if (curve.tps[i] === totalTp) break;
  }
  return ap;
}

/** sklearn `auc(recall, precision)` over `precision_recall_curve`; null without positives. */
export function prAucTrapezoidFromCurve(curve: ClfCurve): number | null {
  const n = curve.thresholds.length;
  if (n === 0 || curve.tps[n - 1] === 0) return null;
  const points = precisionRecallCurve(curve);
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    // Recall decreases along the points; sklearn's auc flips the sign for a decreasing x.
    area += ((points[i - 1].recall - points[i].recall) * (points[i - 1].precision + points[i].precision)) / 2;
  }
  return area;
}

/** Every metric for scores (p_blurred) against truth (1 = blurred), called blurred at `score >= threshold`. */
export function binaryMetrics(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
  threshold = 0.5,
): BinaryMetrics & {
  readonly confusion: Confusion;
} {
  const confusion = confusionAtThreshold(truth, scores, threshold);
  const curve = binaryClfCurve(truth, scores);
  return {
    ...metricsFromConfusion(confusion),
    roc_auc: rocAucFromCurve(curve),
    pr_auc: averagePrecisionFromCurve(curve),
    pr_auc_trapezoid: prAucTrapezoidFromCurve(curve),
    confusion,
  };
}

/** The three threshold-free metrics at once. */
export interface RankingMetrics {
  readonly roc_auc: number | null;
  readonly pr_auc: number | null;
  readonly pr_auc_trapezoid: number | null;
}

/**
 * ROC AUC, average precision and PR AUC (trapezoids) in one pass over samples pre-sorted by `order`, weighted by
 * `weights` (bootstrap resample counts), without allocating: the same arithmetic as the curve functions above.
 */
export function weightedRankingMetrics(
  truth: ArrayLike<number>,
  scores: ArrayLike<number>,
  order: ArrayLike<number>,
  weights: ArrayLike<number>,
): RankingMetrics {
  let totalTp = 0;
  let totalFp = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] === 1) totalTp += weights[i];
    else totalFp += weights[i];
  }
  let tp = 0;
  let fp = 0;
  let groupWeight = 0;
  let roc = 0;
  let prevX = 0;
  let prevY = 0;
  let ap = 0;
  let trapezoid = 0;
  // sklearn's PR curve ends at (recall 0, precision 1); walking up in recall starts there.
  let prevRecall = 0;
  let prevPrecision = 1;
  let reachedFullRecall = false;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    const w = weights[i];
    groupWeight += w;
    if (truth[i] === 1) tp += w;
    else fp += w;
    if (!((k === order.length - 1 || scores[order[k + 1]] !== scores[i]) && groupWeight > 0)) continue;
    groupWeight = 0;
    if (totalFp > 0 && totalTp > 0) {
      const x = fp / totalFp;
      const y = tp / totalTp;
      roc += ((x - prevX) * (y + prevY)) / 2;
      prevX = x;
      prevY = y;
    }
    if (totalTp > 0 && !reachedFullRecall) {
      const recall = tp / totalTp;
      const precision = tp / (tp + fp);
      ap += (recall - prevRecall) * precision;
      trapezoid += ((recall - prevRecall) * (precision + prevPrecision)) / 2;
      prevRecall = recall;
      prevPrecision = precision;
      if (tp === totalTp) reachedFullRecall = true;
    }
  }
  return {
    roc_auc: totalFp > 0 && totalTp > 0 ? roc : null,
    pr_auc: totalTp > 0 ? ap : null,
    pr_auc_trapezoid: totalTp > 0 ? trapezoid : null,
  };
}
