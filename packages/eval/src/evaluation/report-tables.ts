import type { ThresholdChoice } from './sweeps.js';
import type { EvaluationReport } from './report-types.js';

// The report's tables as column headings and rows of cell text, built once from an EvaluationReport. report.md and
// report.html render the same tables; they differ only in markup and escaping (and in the two symbols of
// `TableNotation`), so the cell text lives here and the renderers only lay it out.

/** How every number in report.md and report.html is written: `digits` decimals; `n/a` when missing or not finite. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}

/** The metric rows of the report (and of the run summary): the metric's key and its title. */
export const METRIC_ROWS = [
  ['accuracy', 'Accuracy'],
  ['precision', 'Precision'],
  ['recall', 'Recall'],
  ['f1', 'F1'],
  ['roc_auc', 'ROC AUC'],
  ['pr_auc', 'PR AUC (average precision)'],
] as const;

/** A column heading: its label and an optional note the renderer sets apart (smaller, or in parentheses). */
export interface ColumnHeading {
  readonly label: string;
  readonly note?: string;
}

/** One table of the report: headings and rows of plain (unescaped) cell text; a row's first cell names the row. */
export interface ReportTable {
  readonly header: readonly ColumnHeading[];
  readonly rows: readonly (readonly string[])[];
}

/** The two symbols the formats write differently in the same cell. */
export interface TableNotation {
  /** "at least", as in `precision ≥ 0.9` (`≥` in HTML, `>=` in Markdown). */
  readonly atLeast: string;
  /** A bootstrap interval's cell from its formatted bounds. */
  readonly interval: (low: string, high: string) => string;
}

const headings = (...labels: string[]): ColumnHeading[] => labels.map((label) => ({ label }));

/** The metrics: model, its bootstrap interval, and each baseline (with how its threshold was fitted). */
function metricsTable(report: EvaluationReport, notation: TableNotation): ReportTable {
  return {
    header: [
      ...headings('Metric', 'Model', `${report.bootstrap.level * 100}% interval`),
      ...report.baselines.map((b) => ({
        label: b.title,
        note: b.optimistic ? 'optimistic: threshold swept on this data' : 'threshold from calibration split',
      })),
    ],
    rows: METRIC_ROWS.map(([key, title]) => {
      const interval = report.intervals[key];
      return [
        title,
        formatNumber(report.metrics[key]),
        interval ? notation.interval(formatNumber(interval.low), formatNumber(interval.high)) : 'n/a',
        ...report.baselines.map((b) => formatNumber(b.metrics[key])),
      ];
    }),
  };
}

/** The confusion matrix at the decision threshold. */
function confusionTable(report: EvaluationReport): ReportTable {
  const c = report.confusion;
  return {
    header: headings('', 'predicted sharp', 'predicted blurred'),
    rows: [
      ['truth sharp', `TN ${c.tn}`, `FP ${c.fp}`],
      ['truth blurred', `FN ${c.fn}`, `TP ${c.tp}`],
    ],
  };
}

/** The blur threshold reaching each precision target, then each recall target (`unreachable` when none does). */
function targetsTable(report: EvaluationReport, notation: TableNotation): ReportTable {
  const rows = (kind: string, targets: Readonly<Record<string, ThresholdChoice | null>>): string[][] =>
    Object.entries(targets).map(([target, choice]) => [
      `${kind} ${notation.atLeast} ${target}`,
      choice ? formatNumber(choice.threshold) : 'unreachable',
      formatNumber(choice?.precision),
      formatNumber(choice?.recall),
      formatNumber(choice?.f1),
    ]);
  return {
    header: headings('Target', 'blur threshold', 'precision', 'recall', 'F1'),
    rows: [...rows('precision', report.sweeps.targets.precision), ...rows('recall', report.sweeps.targets.recall)],
  };
}

/** Every tenth point of the blur threshold sweep. */
function blurSweepTable(report: EvaluationReport): ReportTable {
  return {
    header: headings('threshold', 'precision', 'recall', 'F1', 'accuracy'),
    rows: report.sweeps.blurThreshold
      .filter((_, i) => i % 10 === 0)
      .map((p) => [
        p.threshold.toFixed(2),
        formatNumber(p.precision),
        formatNumber(p.recall),
        formatNumber(p.f1),
        formatNumber(p.accuracy),
      ]),
  };
}

/** Every fifth point of the confidence threshold sweep: coverage and metrics on the decided images. */
function confidenceSweepTable(report: EvaluationReport): ReportTable {
  return {
    header: headings('confidence', 'coverage', 'accuracy on decided', 'precision', 'recall'),
    rows: report.sweeps.confidenceThreshold
      .filter((_, i) => i % 5 === 0)
      .map((p) => [
        p.threshold.toFixed(2),
        formatNumber(p.coverage),
        formatNumber(p.accuracy),
        formatNumber(p.precision),
        formatNumber(p.recall),
      ]),
  };
}

/** Each scale alone, then the TTA average over all scales. */
function ablationTable(report: EvaluationReport): ReportTable {
  return {
    header: headings('scales', 'accuracy', 'precision', 'recall', 'F1', 'ROC AUC', 'PR AUC'),
    rows: report.ablation.map((row) => [
      row.scales === 'tta' ? `TTA average (${report.scales.join(', ')})` : row.scales,
      formatNumber(row.accuracy),
      formatNumber(row.precision),
      formatNumber(row.recall),
      formatNumber(row.f1),
      formatNumber(row.roc_auc),
      formatNumber(row.pr_auc),
    ]),
  };
}

/** Every table of the report, by name; the notation is the renderer's. */
export interface ReportTables {
  readonly metrics: ReportTable;
  readonly confusion: ReportTable;
  readonly targets: ReportTable;
  readonly blurSweep: ReportTable;
  readonly confidenceSweep: ReportTable;
  readonly ablation: ReportTable;
}

/** Builds every table of the report once, with the cell text both report.md and report.html show. */
export function reportTables(report: EvaluationReport, notation: TableNotation): ReportTables {
  return {
    metrics: metricsTable(report, notation),
    confusion: confusionTable(report),
    targets: targetsTable(report, notation),
    blurSweep: blurSweepTable(report),
    confidenceSweep: confidenceSweepTable(report),
    ablation: ablationTable(report),
  };
}
