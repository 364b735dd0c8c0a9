import { BASELINE_NAMES, BASELINE_TITLES, type BaselineName } from './baselines.js';
import { type BootstrapOptions, bootstrapIntervals } from './bootstrap.js';
import { binaryClfCurve, binaryMetrics, precisionRecallCurve, rocCurve } from './metrics.js';
import type { OkPredictionRecord, PredictionRecord } from './prediction-record.js';
import type { BaselineReport, EvaluationReport, Mistake, ReportContext } from './report-types.js';
import {
  routedMetrics,
  scaleAblation,
  sweepBlurThreshold,
  sweepConfidenceThreshold,
  thresholdForBestF1,
  thresholdForPrecision,
  thresholdForRecall,
} from './sweeps.js';

export interface BuildReportOptions {
  readonly bootstrap?: BootstrapOptions;
  /** Precision targets whose thresholds the report lists; default 0.95, 0.99. */
  readonly targetPrecisions?: readonly number[];
  /** Recall targets; default 0.95, 0.99. */
  readonly targetRecalls?: readonly number[];
  /** Mistakes listed per kind; default 8. */
  readonly mistakes?: number;
  /** Points kept per plotted curve; default 300. */
  readonly curvePoints?: number;
}

/** Keeps at most `max` points of a curve, always the first and last. */
export function thinCurve<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]);
  return out;
}

function counts(records: readonly { truth: string }[]) {
  let sharp = 0;
  let blurred = 0;
  for (const r of records) {
    if (r.truth === 'blurred') blurred++;
    else sharp++;
  }
  return { sharp, blurred, total: sharp + blurred };
}

function baselineReport(
  name: BaselineName,
  records: readonly PredictionRecord[],
  context: ReportContext,
  options: BuildReportOptions,
): BaselineReport | null {
  const scored = records.filter(
    (r) => r.baselines && r.baselines[name] !== null && Number.isFinite(r.baselines[name] as number),
  );
  if (scored.length === 0) return null;
  const truth = scored.map((r) => (r.truth === 'blurred' ? 1 : 0));
  // Both baselines are "higher = sharper": negate so that a higher score means blurred, as for p_blurred.
  const scores = scored.map((r) => -(r.baselines![name] as number));
  let fittedOn: BaselineReport['fittedOn'] = 'test-swept';
  let negatedThreshold: number | null = null;
  const calibration = context.calibration;
  if (calibration) {
    const calTruth: number[] = [];
    const calScores: number[] = [];
    calibration.scores[name].forEach((value, i) => {
      if (value !== null && Number.isFinite(value)) {
        calTruth.push(calibration.truth[i]);
        calScores.push(-value);
      }
    });
    const fitted = thresholdForBestF1(calTruth, calScores);
    if (fitted) {
      negatedThreshold = fitted.threshold;
      fittedOn = 'calibration';
    }
  }
  if (negatedThreshold === null) negatedThreshold = thresholdForBestF1(truth, scores)?.threshold ?? null;
  const threshold = negatedThreshold ?? Number.POSITIVE_INFINITY;
  const { confusion, ...metrics } = binaryMetrics(truth, scores, threshold);
  const curve = binaryClfCurve(truth, scores);
  const points = options.curvePoints ?? 300;
  return {
    name,
    title: BASELINE_TITLES[name],
    threshold: negatedThreshold === null ? null : -negatedThreshold,
    fittedOn,
    optimistic: fittedOn === 'test-swept',
    images: scored.length,
    metrics,
    confusion,
    intervals: bootstrapIntervals(truth, scores, threshold, options.bootstrap).intervals,
    // Thresholds back in the baseline's own units.
    roc: thinCurve(rocCurve(curve), points).map((p) => ({ ...p, threshold: -p.threshold })),
    pr: thinCurve(precisionRecallCurve(curve), points).map((p) => ({ ...p, threshold: -p.threshold })),
  };
}

function mistake(r: OkPredictionRecord): Mistake {
  return { file: r.file, truth: r.truth, prob_blurred: r.prob_blurred, prob_sharp: r.prob_sharp, label: r.label };
}

/** Computes every number of a report from predictions.jsonl records alone (plus the run's context). */
export function buildReport(
  records: readonly PredictionRecord[],
  context: ReportContext,
  options: BuildReportOptions = {},
): EvaluationReport {
  // The model's own blur threshold (manifest or option; 0.5 unless the model was calibrated): the metrics
  // describe the decisions a user of the model gets, uncertain routing aside.
  const decisionThreshold = context.thresholds.blur;
  const ok = records.filter((r): r is OkPredictionRecord => r.status === 'ok');
  const truth = ok.map((r) => (r.truth === 'blurred' ? 1 : 0));
  const probBlurred = ok.map((r) => r.prob_blurred);
  const probSharp = ok.map((r) => r.prob_sharp);
  const { confusion, ...metrics } = binaryMetrics(truth, probBlurred, decisionThreshold);
  const bootstrap = bootstrapIntervals(truth, probBlurred, decisionThreshold, options.bootstrap);
  const curve = binaryClfCurve(truth, probBlurred);
  const points = options.curvePoints ?? 300;

  const perScale = new Map<number, number[]>();
  for (const r of ok) {
    for (const s of r.scales) {
      const list = perScale.get(s.scale) ?? [];
      if (list.length === 0) perScale.set(s.scale, list);
      list.push(s.prob_blurred);
    }
  }
  // A scale missing from some records (mixed runs) cannot be compared fairly: keep complete ones only.
  for (const [scale, list] of perScale) if (list.length !== ok.length) perScale.delete(scale);
  const ablation =
    perScale.size > 1
      ? scaleAblation(truth, new Map([...perScale].sort((a, b) => a[0] - b[0])), probBlurred, decisionThreshold)
      : scaleAblation(truth, new Map(), probBlurred, decisionThreshold);

  const targetPrecisions = options.targetPrecisions ?? [0.95, 0.99];
  const targetRecalls = options.targetRecalls ?? [0.95, 0.99];
  const mistakesPerKind = options.mistakes ?? 8;
  const falseNegatives = ok
    .filter((r) => r.truth === 'blurred' && r.prob_blurred < decisionThreshold)
    .sort((a, b) => a.prob_blurred - b.prob_blurred)
    .slice(0, mistakesPerKind)
    .map(mistake);
  const falsePositives = ok
    .filter((r) => r.truth === 'sharp' && r.prob_blurred >= decisionThreshold)
    .sort((a, b) => b.prob_blurred - a.prob_blurred)
    .slice(0, mistakesPerKind)
    .map(mistake);

  const baselines: BaselineReport[] = [];
  for (const name of BASELINE_NAMES) {
    const b = baselineReport(name, ok, context, options);
    if (b) baselines.push(b);
  }

  return {
    schema: 'blurgate-eval-report/1',
    date: context.date,
    model: context.model,
    dataset: { ...context.dataset, counts: counts(records), evaluated: counts(ok), errors: records.length - ok.length },
    scales: context.scales,
    thresholds: context.thresholds,
    decisionThreshold,
    versions: context.versions,
    metrics,
    intervals: bootstrap.intervals,
    bootstrap: bootstrap.settings,
    confusion,
    routing: routedMetrics(truth, probBlurred, probSharp, context.thresholds.confidence, context.thresholds.blur),
    // The end points' infinite thresholds are written as null by JSON.stringify.
    curves: { roc: thinCurve(rocCurve(curve), points), pr: thinCurve(precisionRecallCurve(curve), points) },
    sweeps: {
      blurThreshold: sweepBlurThreshold(truth, probBlurred),
      confidenceThreshold: sweepConfidenceThreshold(truth, probBlurred, probSharp, context.thresholds.blur),
      targets: {
        precision: Object.fromEntries(
          targetPrecisions.map((t) => [String(t), thresholdForPrecision(truth, probBlurred, t)]),
        ),
        recall: Object.fromEntries(targetRecalls.map((t) => [String(t), thresholdForRecall(truth, probBlurred, t)])),
      },
    },
    ablation,
    baselines,
    mistakes: { falseNegatives, falsePositives },
  };
}
