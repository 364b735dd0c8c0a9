import { isAbsolute, join } from 'node:path';
import { renderReportPlots } from './plots.js';
import {
  type ColumnHeading,
  formatNumber as f,
  type ReportTable,
  reportTables,
  type TableNotation,
} from './report-tables.js';
import type { EvaluationReport, Mistake } from './report-types.js';
import { thumbnailDataUri } from './thumbnails.js';

const HTML: TableNotation = { atLeast: '≥', interval: (low, high) => `${low} – ${high}` };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// Inline SVG in HTML5 needs no namespace declarations; dropping them keeps the file free of any URL.
function inlineSvg(svg: string): string {
  return svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '').replace(/<\?xml[^>]*>/, '');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.25rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}td{white-space:nowrap}thead th{background:#f4f4f6}
.plots{display:flex;flex-wrap:wrap;gap:1rem}.plot{border:1px solid #eee;padding:.5rem}
.mistakes{display:flex;flex-wrap:wrap;gap:.75rem}.mistake{width:170px;font-size:12px;word-break:break-all}
.mistake img{display:block;max-width:160px;max-height:160px;border:1px solid #ccc}.muted{color:#666}code{font-size:12px}
`;

async function mistakeCards(report: EvaluationReport, mistakes: readonly Mistake[]): Promise<string> {
  if (mistakes.length === 0) return '<p class="muted">None.</p>';
  const cards: string[] = [];
  for (const m of mistakes) {
    // Manifest entries outside the manifest's folder keep absolute paths as their `file`.
    const uri = await thumbnailDataUri(isAbsolute(m.file) ? m.file : join(report.dataset.root, ...m.file.split('/')));
    const image = uri ? `<img alt="${escapeHtml(m.file)}" src="${uri}">` : '<div class="muted">(image not found)</div>';
    cards.push(
      `<figure class="mistake">${image}<figcaption><code>${escapeHtml(m.file)}</code><br>truth ${m.truth}, p_blurred ${f(m.prob_blurred, 3)}, label ${escapeHtml(m.label)}</figcaption></figure>`,
    );
  }
  return `<div class="mistakes">${cards.join('')}</div>`;
}

function headingHtml({ label, note }: ColumnHeading): string {
  return `<th>${escapeHtml(label)}${note === undefined ? '' : `<br><span class="muted">${escapeHtml(note)}</span>`}</th>`;
}

function rowHtml(cells: readonly string[]): string {
  return `<tr>${cells.map((c, i) => (i === 0 ? `<th>${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`;
}

/** A table with its id; a row's first cell is its heading. `rowBreak` goes before each row (the confusion matrix puts each on its own line). */
function tableHtml(id: string, { header, rows }: ReportTable, rowBreak = ''): string {
  const body = rows.map((r) => `${rowBreak}${rowHtml(r)}`).join('');
  return `<table id="${id}"><thead><tr>${header.map(headingHtml).join('')}</tr></thead><tbody>${body}</tbody></table>`;
}

/** report.html: one self-contained file (inline SVG plots, data-URI thumbnails, no external URL). */
export async function renderHtml(report: EvaluationReport): Promise<string> {
  const r = report;
  const plots = await renderReportPlots(r);
  const tables = reportTables(r, HTML);
  const title = `blurgate evaluation: ${escapeHtml(r.model.name)} ${escapeHtml(r.model.version)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${STYLE}</style></head><body>
<h1>${title}</h1>
<p>${escapeHtml(r.date)} · model sha256 <code>${escapeHtml(r.model.sha256 ?? 'unknown')}</code><br>
Dataset <code>${escapeHtml(r.dataset.path)}</code>, ${escapeHtml(r.dataset.description)}: ${r.dataset.counts.total} images, ${r.dataset.counts.blurred} blurred, ${r.dataset.counts.sharp} sharp, ${r.dataset.errors} errors<br>
Scales ${r.scales.join(', ')} · routing: confidence ${r.thresholds.confidence}, blur ${r.thresholds.blur} · an image counts as blurred for the metrics when p_blurred ≥ ${r.decisionThreshold}<br>
<span class="muted">${escapeHtml(
    Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(' · '),
  )}</span></p>
<h2>Metrics</h2>
${tableHtml('metrics', tables.metrics)}
<p class="muted">Intervals: ${r.bootstrap.method} bootstrap, ${r.bootstrap.resamples} resamples, seed ${r.bootstrap.seed}. PR AUC is sklearn's average precision; by trapezoids it is ${f(r.metrics.pr_auc_trapezoid)}.</p>
${r.baselines.map((b) => `<p class="muted">${escapeHtml(b.title)}: blurred when score ≤ ${f(b.threshold, 3)} (${b.fittedOn === 'calibration' ? 'best F1 on the calibration split' : 'best F1 on this data: optimistic'}).</p>`).join('')}
<h2>Confusion matrix</h2>
${tableHtml('confusion', tables.confusion, '\n')}
<p>Routing at the run thresholds: coverage ${f(r.routing.coverage)} (${r.routing.uncertain} uncertain); accuracy on decided ${f(r.routing.accuracy)}.</p>
<h2>Plots</h2>
<div class="plots">${plots.map((p) => `<div class="plot" id="plot-${p.id}" data-title="${escapeHtml(p.title)}">${inlineSvg(p.svg)}</div>`).join('\n')}</div>
<h2>Thresholds for targets</h2>
${tableHtml('targets', tables.targets)}
<h2>Per-scale ablation</h2>
${tableHtml('ablation', tables.ablation)}
<h2>Worst mistakes</h2>
<h3>Blurred images called sharp (lowest p_blurred)</h3>
${await mistakeCards(r, r.mistakes.falseNegatives)}
<h3>Sharp images called blurred (highest p_blurred)</h3>
${await mistakeCards(r, r.mistakes.falsePositives)}
</body></html>
`;
}
