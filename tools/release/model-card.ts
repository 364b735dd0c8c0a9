import { readFile, writeFile } from 'node:fs/promises';
import type { ModelManifest, ModelMetrics } from '@blurgate/core';

/** The generated section of a model card sits between these markers; text outside them is never touched. */
export const METRICS_BEGIN =
  '<!-- blurgate:metrics:begin — generated from manifest.json by `pnpm release`; edit the manifest, not this section -->';
export const METRICS_END = '<!-- blurgate:metrics:end -->';

const KNOWN_METRIC_KEYS = new Set([
  'dataset',
  'images',
  'scales',
  'accuracy',
  'precision',
  'recall',
  'f1',
  'rocAuc',
  'command',
]);

function figure(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : String(value);
}

function extraFields(metrics: ModelMetrics): string[] {
  return Object.entries(metrics as unknown as Record<string, unknown>)
    .filter(([key, value]) => !KNOWN_METRIC_KEYS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
}

/** The metrics section of a model card, rendered from the manifest alone (so it is reproducible). */
export function renderMetricsSection(manifest: ModelManifest): string {
  const lines = [METRICS_BEGIN, '', `## Metrics (${manifest.name} ${manifest.version})`, ''];
  if (manifest.metrics.length === 0) {
    lines.push("No measurements are recorded in this model's manifest.");
  } else {
    lines.push(
      '| Data measured on | Images | Scales | Accuracy | Precision | Recall | F1 | ROC AUC |',
      '|---|---:|---|---:|---:|---:|---:|---:|',
    );
    for (const m of manifest.metrics) {
      lines.push(
        `| ${m.dataset} | ${m.images} | ${m.scales.join(', ')} | ${figure(m.accuracy)} | ${figure(m.precision)} | ${figure(m.recall)} | ${figure(m.f1)} | ${figure(m.rocAuc)} |`,
      );
    }
    const notes = manifest.metrics.flatMap((m) => {
      const extra = extraFields(m);
      const out: string[] = [];
      if (m.command) out.push(`- ${m.dataset}: reproduce with \`${m.command}\``);
      if (extra.length > 0) out.push(`- ${m.dataset}: ${extra.join('; ')}`);
      return out;
    });
    if (notes.length > 0) lines.push('', ...notes);
  }
  lines.push(
    '',
    `Model file \`${manifest.file ?? '(pulled from the Hub)'}\`, sha256 \`${manifest.sha256 ?? 'unpinned'}\`; ` +
      `thresholds: confidence ${manifest.thresholds.confidence}, blur ${manifest.thresholds.blur}; ` +
      `default scales ${manifest.scales.join(', ')}.`,
    '',
    METRICS_END,
  );
  return lines.join('\n');
}

/**
 * Replaces the generated section of a card (or appends one when the card has no markers yet), keeping every
 * hand-written line outside the markers.
 */
export function regenerateCardText(card: string, manifest: ModelManifest): string {
  const section = renderMetricsSection(manifest);
  const begin = card.indexOf('<!-- blurgate:metrics:begin');
  const end = card.indexOf(METRICS_END);
  if (begin === -1 || end === -1 || end < begin) {
    return `${card.replace(/\s*$/, '')}\n\n${section}\n`;
  }
  return card.slice(0, begin) + section + card.slice(end + METRICS_END.length);
}

/** Rewrites a card file; returns whether its text changed. */
export async function regenerateCardFile(cardPath: string, manifest: ModelManifest): Promise<boolean> {
  const before = await readFile(cardPath, 'utf8');
  const after = regenerateCardText(before, manifest);
  if (after === before) return false;
  await writeFile(cardPath, after);
  return true;
}
