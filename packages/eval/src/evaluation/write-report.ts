import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtml } from './report-html.js';
import { renderMarkdown } from './report-markdown.js';
import type { EvaluationReport } from './report-types.js';

/** Writes report.json, report.md and report.html into `outDir`; returns their paths. */
export async function writeReportFiles(
  report: EvaluationReport,
  outDir: string,
): Promise<{ json: string; markdown: string; html: string }> {
  const json = join(outDir, 'report.json');
  const markdown = join(outDir, 'report.md');
  const html = join(outDir, 'report.html');
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdown, renderMarkdown(report));
  await writeFile(html, await renderHtml(report));
  return { json, markdown, html };
}
