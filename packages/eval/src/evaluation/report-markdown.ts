import { formatNumber as f, type ReportTable, reportTables, type TableNotation } from './report-tables.js';
import type { EvaluationReport } from './report-types.js';

const MARKDOWN: TableNotation = { atLeast: '>=', interval: (low, high) => `[${low}, ${high}]` };

function table({ header, rows }: ReportTable): string {
  const labels = header.map((h) => (h.note === undefined ? h.label : `${h.label} (${h.note})`));
  return [
    `| ${labels.join(' | ')} |`,
    `|${labels.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** report.md: the report's tables for people and pull requests. */
export function renderMarkdown(report: EvaluationReport): string {
  const r = report;
  const tables = reportTables(r, MARKDOWN);
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
  lines.push(table(tables.metrics), '');
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
  lines.push(table(tables.confusion), '');

  lines.push('## Routing at the run thresholds', '');
  lines.push(
    `Coverage ${f(r.routing.coverage)} (${r.routing.uncertain} uncertain); on decided images accuracy ${f(r.routing.accuracy)}, precision ${f(r.routing.precision)}, recall ${f(r.routing.recall)}.`,
    '',
  );

  lines.push('## Thresholds for targets', '');
  lines.push(table(tables.targets), '');

  lines.push('## Blur threshold sweep', '');
  lines.push(table(tables.blurSweep), '');
  lines.push('## Confidence threshold sweep', '');
  lines.push(table(tables.confidenceSweep), '');
  lines.push('## Per-scale ablation', '');
  lines.push(table(tables.ablation), '');
  lines.push('## Worst mistakes', '');
  const mistakes = [...r.mistakes.falseNegatives, ...r.mistakes.falsePositives];
  lines.push(
    mistakes.length === 0
      ? 'None.'
      : table({
          header: ['file', 'truth', 'p_blurred', 'label'].map((label) => ({ label })),
          rows: mistakes.map((m) => [`\`${m.file}\``, m.truth, f(m.prob_blurred), m.label]),
        }),
    '',
  );
  return `${lines.join('\n')}\n`;
}
