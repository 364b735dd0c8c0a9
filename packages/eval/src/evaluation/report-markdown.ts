import type { Interval } from './bootstrap.js';
import type { EvaluationReport } from './report-types.js';

const f = (v: number | null | undefined, digits = 4): string =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
const ci = (i: Interval | null | undefined): string => (i ? `[${f(i.low)}, ${f(i.high)}]` : 'n/a');

/** The metric rows shared by the Markdown and HTML reports. */
export const METRIC_ROWS = [
  ['accuracy', 'Accuracy'],
  ['precision', 'Precision'],
  ['recall', 'Recall'],
  ['f1', 'F1'],
  ['roc_auc', 'ROC AUC'],
  ['pr_auc', 'PR AUC (average precision)'],
] as const;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** report.md: the report's tables for people and pull requests. */
export function renderMarkdown(report: EvaluationReport): string {
  const r = report;
  const lines: string[] = [];
  lines.push(`# blurgate evaluation: ${r.model.name} ${r.model.version}`, '');
  lines.push(`- Date: ${r.date}`);
  lines.push(`- Model: ${r.model.name} ${r.model.version}, sha256 \`${r.model.sha256 ?? 'unknown'}\``);
  lines.push(
    `- Dataset: \`${r.dataset.path}\`, ${r.dataset.description}: ${r.dataset.counts.total} images, ${r.dataset.counts.blurred} blurred, ${r.dataset.counts.sharp} sharp; ${r.dataset.errors} errors`,
  );
  lines.push(
    `- Scales: ${r.scales.join(', ')}; routing thresholds: confidence ${r.thresholds.confidence}, blur ${r.thresholds.blur}`,
  );
  lines.push(
    `- Metrics count an image as blurred when p_blurred >= ${r.decisionThreshold} (uncertain routing aside); positive class = blurred.`,
  );
  lines.push(
    `- Intervals: ${r.bootstrap.level * 100}% ${r.bootstrap.method} bootstrap, ${r.bootstrap.resamples} resamples, seed ${r.bootstrap.seed}.`,
  );
  lines.push(
    `- Versions: ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
  );

  lines.push('## Metrics', '');
  const baselineHeaders = r.baselines.map(
    (b) =>
      `${b.title}${b.optimistic ? ' (optimistic: threshold swept on this data)' : ' (threshold from calibration split)'}`,
  );
  lines.push(
    table(
      ['Metric', 'Model', '95% interval', ...baselineHeaders],
      METRIC_ROWS.map(([key, title]) => [
        title,
        f(r.metrics[key]),
        ci(r.intervals[key]),
        ...r.baselines.map((b) => f(b.metrics[key])),
      ]),
    ),
    '',
  );
  lines.push(`PR AUC by trapezoids (sklearn \`auc(recall, precision)\`): ${f(r.metrics.pr_auc_trapezoid)}.`, '');
  if (r.baselines.length > 0) {
    lines.push(
      r.baselines
        .map(
          (b) =>
            `- ${b.title}: blurred when score <= ${f(b.threshold, 3)} (${b.fittedOn === 'calibration' ? 'fitted for best F1 on the calibration split' : 'best F1 on this very data, so optimistic'}), ${b.images} images`,
        )
        .join('\n'),
      '',
    );
  }

  lines.push('## Confusion matrix', '');
  lines.push(
    table(
      ['', 'predicted sharp', 'predicted blurred'],
      [
        ['truth sharp', `TN ${r.confusion.tn}`, `FP ${r.confusion.fp}`],
        ['truth blurred', `FN ${r.confusion.fn}`, `TP ${r.confusion.tp}`],
      ],
    ),
    '',
  );

  lines.push('## Routing at the run thresholds', '');
  lines.push(
    `Coverage ${f(r.routing.coverage)} (${r.routing.uncertain} uncertain); on decided images accuracy ${f(r.routing.accuracy)}, precision ${f(r.routing.precision)}, recall ${f(r.routing.recall)}.`,
    '',
  );

  lines.push('## Thresholds for targets', '');
  const targetRows: string[][] = [];
  for (const [kind, entries] of [
    ['precision', r.sweeps.targets.precision],
    ['recall', r.sweeps.targets.recall],
  ] as const) {
    for (const [target, choice] of Object.entries(entries)) {
      targetRows.push([
        `${kind} >= ${target}`,
        choice ? f(choice.threshold) : 'unreachable',
        f(choice?.precision),
        f(choice?.recall),
        f(choice?.f1),
      ]);
    }
  }
  lines.push(table(['Target', 'blur threshold', 'precision', 'recall', 'F1'], targetRows), '');

  lines.push('## Blur threshold sweep', '');
  lines.push(
    table(
      ['threshold', 'precision', 'recall', 'F1', 'accuracy'],
      r.sweeps.blurThreshold
        .filter((_, i) => i % 10 === 0)
        .map((p) => [p.threshold.toFixed(2), f(p.precision), f(p.recall), f(p.f1), f(p.accuracy)]),
    ),
    '',
  );
  lines.push('## Confidence threshold sweep', '');
  lines.push(
    table(
      ['confidence', 'coverage', 'accuracy on decided', 'precision', 'recall'],
      r.sweeps.confidenceThreshold
        .filter((_, i) => i % 5 === 0)
        .map((p) => [p.threshold.toFixed(2), f(p.coverage), f(p.accuracy), f(p.precision), f(p.recall)]),
    ),
    '',
  );
  lines.push('## Per-scale ablation', '');
  lines.push(
    table(
      ['scales', 'accuracy', 'precision', 'recall', 'F1', 'ROC AUC', 'PR AUC'],
      r.ablation.map((row) => [
        row.scales === 'tta' ? `TTA average (${r.scales.join(', ')})` : row.scales,
        f(row.accuracy),
        f(row.precision),
        f(row.recall),
        f(row.f1),
        f(row.roc_auc),
        f(row.pr_auc),
      ]),
    ),
    '',
  );
  lines.push('## Worst mistakes', '');
  const mistakes = [...r.mistakes.falseNegatives, ...r.mistakes.falsePositives];
  lines.push(
    mistakes.length === 0
      ? 'None.'
      : table(
          ['file', 'truth', 'p_blurred', 'label'],
          mistakes.map((m) => [`\`${m.file}\``, m.truth, f(m.prob_blurred), m.label]),
        ),
    '',
  );
  return `${lines.join('\n')}\n`;
}
