import { describe, expect, it } from 'vitest';
import { buildReport, renderHtml, renderMarkdown } from '../../src/evaluation/index.js';
import { reportTables } from '../../src/evaluation/report-tables.js';
import { SYNTHETIC_REPORT_CONTEXT, syntheticPredictions } from './synthetic-predictions.js';

const report = buildReport(syntheticPredictions(120, 9), SYNTHETIC_REPORT_CONTEXT, { bootstrap: { resamples: 50 } });
const markdownNotation = { atLeast: '>=', interval: (low: string, high: string) => `[${low}, ${high}]` };

describe('the report tables', () => {
  it('report.md shows every row of every table, cell for cell', () => {
    const md = renderMarkdown(report);
    const tables = reportTables(report, markdownNotation);
    for (const table of Object.values(tables)) {
      expect(table.rows.length).toBeGreaterThan(0);
      for (const row of table.rows) expect(md).toContain(`| ${row.join(' | ')} |`);
    }
    expect(md).toContain('| TTA average (256, 384) |');
  });

  it('report.html shows the same cells as report.md, with its own "at least" and interval notation', async () => {
    const html = await renderHtml(report);
    const md = renderMarkdown(report);
    const targets = reportTables(report, markdownNotation).targets.rows;
    expect(targets.length).toBeGreaterThan(1);
    for (const [target, ...cells] of targets) {
      const htmlTarget = target.replace('>=', '≥');
      expect(html).toContain(`<tr><th>${htmlTarget}</th>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`);
    }
    const accuracy = report.intervals.accuracy;
    expect(accuracy).not.toBeNull();
    const low = accuracy!.low.toFixed(4);
    const high = accuracy!.high.toFixed(4);
    expect(md).toContain(`[${low}, ${high}]`);
    expect(html).toContain(`<td>${low} – ${high}</td>`);
  });

  it('report.html escapes table cells', async () => {
    const odd = { ...report, ablation: [{ ...report.ablation[0], scales: '<b>256 & more</b>' }] };
    const html = await renderHtml(odd);
    expect(html).toContain('<tr><th>&lt;b&gt;256 &amp; more&lt;/b&gt;</th>');
    expect(html).not.toContain('<b>256');
  });
});
