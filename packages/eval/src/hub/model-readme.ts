import type { ModelManifest } from '@blurgate/core';

function sourceLines(manifest: ModelManifest): string[] {
  const source = manifest.source;
  if (source.kind === 'huggingface') {
    return [
      `- Checkpoint: Hugging Face \`${source.repo}\`, file \`${source.file}\``,
      `- Revision: ${source.revision ? `\`${source.revision}\`` : 'unknown (installed from a local file)'}`,
      `- Checkpoint sha256: \`${source.sha256 ?? 'unknown'}\``,
    ];
  }
  return [`- Trained with: ${source.recipe}`, `- Checkpoint sha256: \`${source.checkpointSha256 ?? 'unknown'}\``];
}

/** The short model card written next to an installed model. */
export function modelReadme(manifest: ModelManifest, details: { origin: string; installedAt: Date }): string {
  const metrics = manifest.metrics.map(
    (m) =>
      `| ${m.dataset} | ${m.images} | ${m.scales.join(', ')} | ${m.accuracy} | ${m.precision} | ${m.recall} | ${m.f1} | ${m.rocAuc} |`,
  );
  return [
    `# ${manifest.name} ${manifest.version}`,
    '',
    manifest.description ?? '',
    '',
    `Installed by \`blurgate-eval models pull\` on ${details.installedAt.toISOString()} from ${details.origin}.`,
    '',
    `- Architecture: ${manifest.architecture}, ${manifest.inputChannels}-channel input (FreqAux ${
      manifest.preprocessing.freqAux === 'core' ? 'computed by @blurgate/core' : 'inside the ONNX graph'
    })`,
    `- Model file: \`${manifest.file}\`, sha256 \`${manifest.sha256}\``,
    ...sourceLines(manifest),
    `- Scales: ${manifest.scales.join(', ')}; thresholds: confidence ${manifest.thresholds.confidence}, blur ${manifest.thresholds.blur}`,
    '',
    ...(metrics.length > 0
      ? [
          '| Data | Images | Scales | Accuracy | Precision | Recall | F1 | ROC AUC |',
          '|---|---|---|---|---|---|---|---|',
          ...metrics,
          '',
        ]
      : []),
    'Use it with `blurgate classify --model ' + manifest.name + ' <images>`.',
    '',
  ].join('\n');
}
