import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { EvaluationReport } from './report-types.js';

/** Renders a Vega-Lite spec to an SVG string in Node, without a browser (vega's headless View). */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const WIDTH = 360;
const HEIGHT = 260;

function lineChart(
  title: string,
  values: object[],
  x: { field: string; title: string },
  y: { field: string; title: string },
  color?: string,
): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', interpolate: 'linear', clip: true },
    encoding: {
      x: { field: x.field, type: 'quantitative', title: x.title, scale: { domain: [0, 1] } },
      y: { field: y.field, type: 'quantitative', title: y.title, scale: { domain: [0, 1] } },
      ...(color
        ? {
            color: {
              field: color,
              type: 'nominal',
              title: null,
              legend: { orient: 'bottom', labelLimit: 0, direction: 'vertical' },
            },
          }
        : {}),
    },
  } as TopLevelSpec;
}

/** The report's plot specs, keyed by a stable id (`roc`, `pr`, `blur-threshold`, `confidence`, `scales`). */
export function reportPlotSpecs(report: EvaluationReport): { id: string; title: string; spec: TopLevelSpec }[] {
  const modelName = `model (${report.model.name})`;
  const roc = [
    ...report.curves.roc.map((p) => ({ series: modelName, fpr: p.fpr, tpr: p.tpr })),
    ...report.baselines.flatMap((b) => b.roc.map((p) => ({ series: b.title, fpr: p.fpr, tpr: p.tpr }))),
  ].filter((p) => Number.isFinite(p.fpr) && Number.isFinite(p.tpr));
  const pr = [
    ...report.curves.pr.map((p) => ({ series: modelName, recall: p.recall, precision: p.precision })),
    ...report.baselines.flatMap((b) =>
      b.pr.map((p) => ({ series: b.title, recall: p.recall, precision: p.precision })),
    ),
  ].filter((p) => Number.isFinite(p.recall) && Number.isFinite(p.precision));
  const sweep = report.sweeps.blurThreshold.flatMap((p) => [
    { metric: 'precision', threshold: p.threshold, value: p.precision },
    { metric: 'recall', threshold: p.threshold, value: p.recall },
    { metric: 'F1', threshold: p.threshold, value: p.f1 },
  ]);
  const coverage = report.sweeps.confidenceThreshold.flatMap((p) => [
    { metric: 'coverage', threshold: p.threshold, value: p.coverage },
    { metric: 'accuracy on decided', threshold: p.threshold, value: p.decided > 0 ? p.accuracy : null },
  ]);
  const ttaName = report.scales.length === 1 ? `${report.scales[0]} (single scale)` : 'TTA average';
  const rowName = (scales: string) => (scales === 'tta' ? ttaName : scales);
  const scales = report.ablation.flatMap((row) => [
    { scales: rowName(row.scales), metric: 'F1', value: row.f1 },
    { scales: rowName(row.scales), metric: 'ROC AUC', value: row.roc_auc ?? 0 },
    { scales: rowName(row.scales), metric: 'accuracy', value: row.accuracy },
  ]);
  const scaleOrder = report.ablation.map((row) => rowName(row.scales));
  const confidenceSpec = lineChart(
    'Coverage and accuracy vs confidence threshold',
    coverage,
    { field: 'threshold', title: 'confidence threshold' },
    { field: 'value', title: 'share' },
    'metric',
  );
  (confidenceSpec as { encoding: { x: { scale: object } } }).encoding.x.scale = { domain: [0.5, 1] };
  return [
    {
      id: 'roc',
      title: 'ROC curve',
      spec: lineChart(
        'ROC curve (positive = blurred)',
        roc,
        { field: 'fpr', title: 'false positive rate' },
        { field: 'tpr', title: 'true positive rate' },
        'series',
      ),
    },
    {
      id: 'pr',
      title: 'Precision-recall curve',
      spec: lineChart(
        'Precision-recall curve',
        pr,
        { field: 'recall', title: 'recall' },
        { field: 'precision', title: 'precision' },
        'series',
      ),
    },
    {
      id: 'blur-threshold',
      title: 'Blur threshold sweep',
      spec: lineChart(
        'Precision, recall and F1 vs blur threshold',
        sweep,
        { field: 'threshold', title: 'blur threshold (p_blurred >= t)' },
        { field: 'value', title: 'value' },
        'metric',
      ),
    },
    { id: 'confidence', title: 'Confidence threshold sweep', spec: confidenceSpec },
    {
      id: 'scales',
      title: 'Per-scale ablation',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: 'Each scale alone vs the TTA average',
        width: WIDTH,
        height: HEIGHT,
        data: { values: scales },
        mark: 'bar',
        encoding: {
          x: { field: 'scales', type: 'nominal', title: 'scale', sort: scaleOrder, axis: { labelAngle: 0 } },
          xOffset: { field: 'metric' },
          y: { field: 'value', type: 'quantitative', title: 'value', scale: { domain: [0, 1] } },
          color: { field: 'metric', type: 'nominal', title: null, legend: { orient: 'bottom', labelLimit: 0 } },
        },
      } as TopLevelSpec,
    },
  ];
}

/** Every plot of the report as inline SVG (no external references). */
export async function renderReportPlots(
  report: EvaluationReport,
): Promise<{ id: string; title: string; svg: string }[]> {
  const out: { id: string; title: string; svg: string }[] = [];
  for (const plot of reportPlotSpecs(report))
    out.push({ id: plot.id, title: plot.title, svg: await renderVegaLiteSvg(plot.spec) });
  return out;
}
