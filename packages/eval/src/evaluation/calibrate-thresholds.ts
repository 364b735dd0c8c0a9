import type { OkPredictionRecord, PredictionRecord } from './prediction-record.js';
import { routedMetrics, thresholdForBestF1, thresholdForPrecision, thresholdForRecall } from './sweeps.js';

export interface CalibrateOptions {
  /** Choose the blur threshold with the highest recall whose precision (on decided images) reaches this. */
  readonly targetPrecision?: number;
  /** Choose the blur threshold with the highest precision whose recall (on decided images) reaches this. */
  readonly targetRecall?: number;
  /** Choose the blur threshold with the best F1 (on decided images): a model's default when no target is given. */
  readonly bestF1?: boolean;
  /**
   * Choose the highest confidence threshold (grid 0.50 ... 1.00 by 0.005) that still decides at least this share
   * of images. Without it, `confidenceThreshold` (default 0.60) is kept.
   */
  readonly minCoverage?: number;
  readonly confidenceThreshold?: number;
}

/** The thresholds file that `blurgate classify --thresholds <file>` reads. */
export interface ThresholdsFile {
  readonly confidenceThreshold: number;
  readonly blurThreshold: number;
  readonly provenance: {
    readonly tool: 'blurgate-eval calibrate';
    readonly predictions: string;
    readonly images: number;
    readonly targets: {
      readonly precision?: number;
      readonly recall?: number;
      readonly bestF1?: true;
      readonly minCoverage?: number;
    };
    /** What these thresholds achieve on the images they were chosen on (decided images only, except coverage). */
    readonly achieved: {
      readonly coverage: number;
      readonly accuracy: number;
      readonly precision: number;
      readonly recall: number;
      readonly f1: number;
    };
    readonly date: string;
  };
}

/** Raised when a target cannot be reached on the given predictions. */
export class CalibrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalibrationError';
  }
}

/**
 * Picks routing thresholds from predictions: first the confidence threshold (from `minCoverage`, else kept),
 * then the blur threshold on the images that threshold decides, for the precision or recall target.
 */
export function calibrateThresholds(
  records: readonly PredictionRecord[],
  options: CalibrateOptions,
  predictionsPath: string,
  date = new Date().toISOString(),
): ThresholdsFile {
  const ok = records.filter((r): r is OkPredictionRecord => r.status === 'ok');
  if (ok.length === 0) throw new CalibrationError(`${predictionsPath} holds no successful predictions`);
  const targets = [options.targetPrecision !== undefined, options.targetRecall !== undefined, options.bestF1 === true];
  if (targets.filter(Boolean).length > 1)
    throw new CalibrationError('give one of --target-precision, --target-recall and --best-f1');
  const truth = ok.map((r) => (r.truth === 'blurred' ? 1 : 0));
  const probBlurred = ok.map((r) => r.prob_blurred);
  const probSharp = ok.map((r) => r.prob_sharp);
  let confidenceThreshold = options.confidenceThreshold ?? 0.6;
  if (options.minCoverage !== undefined) {
    confidenceThreshold = 0.5;
    for (let i = 0; i <= 100; i++) {
      const candidate = Number((0.5 + i * 0.005).toFixed(3));
      if (routedMetrics(truth, probBlurred, probSharp, candidate, 0.5).coverage >= options.minCoverage)
        confidenceThreshold = candidate;
    }
  }
  const decided = ok.map((r) => Math.max(r.prob_sharp, r.prob_blurred) >= confidenceThreshold);
  const decidedTruth = truth.filter((_, i) => decided[i]);
  const decidedScores = probBlurred.filter((_, i) => decided[i]);
  let blurThreshold = 0.5;
  if (options.targetPrecision !== undefined) {
    const choice = thresholdForPrecision(decidedTruth, decidedScores, options.targetPrecision);
    if (!choice)
      throw new CalibrationError(
        `no blur threshold reaches precision ${options.targetPrecision} on the ${decidedTruth.length} decided images`,
      );
    blurThreshold = choice.threshold;
  } else if (options.targetRecall !== undefined) {
    const choice = thresholdForRecall(decidedTruth, decidedScores, options.targetRecall);
    if (!choice)
      throw new CalibrationError(
        `no blur threshold reaches recall ${options.targetRecall} on the ${decidedTruth.length} decided images`,
      );
    blurThreshold = choice.threshold;
  } else if (options.bestF1) {
    const choice = thresholdForBestF1(decidedTruth, decidedScores);
    if (!choice) throw new CalibrationError(`no image is decided at confidence ${confidenceThreshold}`);
    blurThreshold = choice.threshold;
  }
  const achieved = routedMetrics(truth, probBlurred, probSharp, confidenceThreshold, blurThreshold);
  return {
    confidenceThreshold,
    blurThreshold,
    provenance: {
      tool: 'blurgate-eval calibrate',
      predictions: predictionsPath,
      images: ok.length,
      targets: {
        ...(options.targetPrecision !== undefined ? { precision: options.targetPrecision } : {}),
        ...(options.targetRecall !== undefined ? { recall: options.targetRecall } : {}),
        ...(options.bestF1 ? { bestF1: true as const } : {}),
        ...(options.minCoverage !== undefined ? { minCoverage: options.minCoverage } : {}),
      },
      achieved: {
        coverage: achieved.coverage,
        accuracy: achieved.accuracy,
        precision: achieved.precision,
        recall: achieved.recall,
        f1: achieved.f1,
      },
      date,
    },
  };
}
