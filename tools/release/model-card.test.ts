import type { ModelManifest } from '@blurgate/core';
import { describe, expect, it } from 'vitest';
import { METRICS_END, regenerateCardText, renderMetricsSection } from './model-card.js';

const manifest = {
  schemaVersion: 1,
  name: 'blurgate-synth',
  version: '1.0.0',
  architecture: 'mobilenet_v3_small',
  inputChannels: 4,
  file: 'model.onnx',
  sha256: 'ab'.repeat(32),
  preprocessing: {
    resize: 'pillow-bilinear-squash',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    freqAux: 'core',
  },
  scales: [256, 384],
  thresholds: { confidence: 0.6, blur: 0.5 },
  labels: ['sharp', 'blurred'],
  source: { kind: 'training', recipe: 'tools/train', checkpointSha256: null },
  metrics: [
    {
      dataset: 'synth test split (opencv-doc)',
      images: 812,
      scales: [256, 384],
      accuracy: 0.98123,
      precision: 0.99,
      recall: 0.97,
      f1: 0.98,
      rocAuc: 0.995,
      command: 'blurgate-eval run data/test',
      f1Ci95: [0.97, 0.99],
    },
  ],
} as unknown as ModelManifest;

describe('model card metrics section', () => {
  it('renders every metric with the data it was measured on, extra fields included', () => {
    const section = renderMetricsSection(manifest);
    expect(section).toContain(
      '| synth test split (opencv-doc) | 812 | 256, 384 | 0.9812 | 0.9900 | 0.9700 | 0.9800 | 0.9950 |',
    );
    expect(section).toContain('reproduce with `blurgate-eval run data/test`');
    expect(section).toContain('f1Ci95: [0.97,0.99]');
    expect(section).toContain('ab'.repeat(32));
  });

  it('appends the section to a card without markers, keeping the hand-written text', () => {
    const card = '# blurgate-synth\n\nWritten by hand.\n';
    const out = regenerateCardText(card, manifest);
    expect(out.startsWith(card.trimEnd())).toBe(true);
    expect(out).toContain(METRICS_END);
  });

  it('replaces only the text between the markers and is idempotent', () => {
    const stale = regenerateCardText('# Card\n\nIntro.\n', { ...manifest, metrics: [] } as ModelManifest);
    const withTail = `${stale}\n## Limitations\n\nSynthetic blur only.\n`;
    const fresh = regenerateCardText(withTail, manifest);
    expect(fresh).toContain('Intro.');
    expect(fresh).toContain('## Limitations\n\nSynthetic blur only.');
    expect(fresh).toContain('0.9812');
    expect(fresh).not.toContain('No measurements are recorded');
    expect(regenerateCardText(fresh, manifest)).toBe(fresh);
  });
});
