import type { EvaluationReport } from './report-types.js';

/** The model card's GoPro Large test numbers (docs/reference-arithmetic.md §4). */
export const GOPRO_CARD = {
  f1: 0.9803,
  accuracy: 0.9806,
  precision: 0.9981,
  recall: 0.9631,
  roc_auc: 0.9989,
  tp: 1070,
  fn: 41,
  fp: 2,
  tn: 1109,
} as const;

/** One row of the card-vs-ours comparison. */
export interface CardComparisonRow {
  readonly name: string;
  readonly card: number;
  readonly ours: number | null;
  readonly difference: number | null;
}

/** Our numbers beside the card's, with ours minus the card's. */
export function compareWithCard(report: EvaluationReport): CardComparisonRow[] {
  const ours: Record<keyof typeof GOPRO_CARD, number | null> = {
    f1: report.metrics.f1,
    accuracy: report.metrics.accuracy,
    precision: report.metrics.precision,
    recall: report.metrics.recall,
    roc_auc: report.metrics.roc_auc,
    tp: report.confusion.tp,
    fn: report.confusion.fn,
    fp: report.confusion.fp,
    tn: report.confusion.tn,
  };
  return (Object.keys(GOPRO_CARD) as (keyof typeof GOPRO_CARD)[]).map((name) => {
    const value = ours[name];
    return { name, card: GOPRO_CARD[name], ours: value, difference: value === null ? null : value - GOPRO_CARD[name] };
  });
}

/** The comparison as a plain-text table for the terminal. */
export function formatCardComparison(rows: readonly CardComparisonRow[]): string {
  const integer = (name: string) => ['tp', 'fn', 'fp', 'tn'].includes(name);
  const show = (name: string, v: number | null, signed = false) =>
    v === null
      ? 'n/a'
      : integer(name)
        ? `${signed && v > 0 ? '+' : ''}${v}`
        : `${signed && v > 0 ? '+' : ''}${v.toFixed(4)}`;
  const lines = [`${'metric'.padEnd(10)}${'card'.padStart(10)}${'ours'.padStart(10)}${'ours-card'.padStart(12)}`];
  for (const r of rows)
    lines.push(
      `${r.name.padEnd(10)}${show(r.name, r.card).padStart(10)}${show(r.name, r.ours).padStart(10)}${show(r.name, r.difference, true).padStart(12)}`,
    );
  return lines.join('\n');
}
