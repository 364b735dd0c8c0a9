import type { BaselineName } from './baselines.js';
import type { BootstrapMetric, BootstrapSettings, Interval } from './bootstrap.js';
import type { ClassCounts, DatasetLayout } from './dataset-types.js';
import type { BinaryMetrics, Confusion, PrPoint, RocPoint } from './metrics.js';
import type { AblationRow, BlurThresholdPoint, ConfidencePoint, ThresholdChoice } from './sweeps.js';

/** Who and what a report is about; everything that is not computed from predictions.jsonl. */
export interface ReportContext {
  readonly model: {
    readonly name: string;
    readonly version: string;
    readonly sha256: string | null;
    readonly inputChannels?: number;
  };
  readonly dataset: {
    readonly path: string;
    /** Directory `file` paths are relative to (for thumbnails). */
    readonly root: string;
    readonly layout: DatasetLayout;
    readonly description: string;
    readonly includeBlurGamma: boolean;
  };
  readonly scales: readonly number[];
  /** Routing thresholds used for `label` (uncertain routing); metrics use p_blurred >= decisionThreshold (= the blur threshold). */
  readonly thresholds: { readonly confidence: number; readonly blur: number };
  readonly versions: Readonly<Record<string, string>>;
  /** ISO date of the report. */
  readonly date: string;
  /** Baseline scores of a separate calibration split, to fit their thresholds on. */
  readonly calibration?: {
    readonly path: string;
    readonly truth: readonly number[];
    readonly scores: Readonly<Record<BaselineName, readonly (number | null)[]>>;
  };
}

/** A baseline on the same images as the model. Threshold in its own units: blurred when score <= threshold. */
export interface BaselineReport {
  readonly name: BaselineName;
  readonly title: string;
  readonly threshold: number | null;
  /** `calibration`: fitted on --calibration (fair); `test-swept`: best F1 threshold on the test data (optimistic). */
  readonly fittedOn: 'calibration' | 'test-swept';
  readonly optimistic: boolean;
  readonly images: number;
  readonly metrics: BinaryMetrics;
  readonly confusion: Confusion;
  readonly intervals: Record<BootstrapMetric, Interval | null>;
  readonly roc: RocPoint[];
  readonly pr: PrPoint[];
}

/** One of the worst mistakes, for the thumbnails. */
export interface Mistake {
  readonly file: string;
  readonly truth: 'sharp' | 'blurred';
  readonly prob_blurred: number;
  readonly prob_sharp: number;
  readonly label: string;
}

/** Everything in report.json. */
export interface EvaluationReport {
  readonly schema: 'blurgate-eval-report/1';
  readonly date: string;
  readonly model: ReportContext['model'];
  readonly dataset: ReportContext['dataset'] & {
    /** Images listed in predictions.jsonl, per class. */
    readonly counts: ClassCounts;
    /** Images with a prediction (errors excluded), per class: what the metrics are computed on. */
    readonly evaluated: ClassCounts;
    readonly errors: number;
  };
  readonly scales: readonly number[];
  readonly thresholds: ReportContext['thresholds'];
  /** A prediction counts as blurred for the metrics when prob_blurred >= this: the model's blur threshold (0.5, the reference's argmax, unless calibrated). */
  readonly decisionThreshold: number;
  readonly versions: ReportContext['versions'];
  readonly metrics: BinaryMetrics;
  readonly intervals: Record<BootstrapMetric, Interval | null>;
  readonly bootstrap: BootstrapSettings;
  readonly confusion: Confusion;
  /** Routing at the run's thresholds: coverage and metrics on what is decided. */
  readonly routing: ConfidencePoint;
  readonly curves: { readonly roc: RocPoint[]; readonly pr: PrPoint[] };
  readonly sweeps: {
    readonly blurThreshold: BlurThresholdPoint[];
    readonly confidenceThreshold: ConfidencePoint[];
    readonly targets: {
      readonly precision: Readonly<Record<string, ThresholdChoice | null>>;
      readonly recall: Readonly<Record<string, ThresholdChoice | null>>;
    };
  };
  readonly ablation: AblationRow[];
  readonly baselines: BaselineReport[];
  readonly mistakes: { readonly falseNegatives: Mistake[]; readonly falsePositives: Mistake[] };
}
