import {
  DEFAULT_BLUR_THRESHOLD,
  DEFAULT_CONFIDENCE_THRESHOLD,
  DEFAULT_SCALES,
  IMAGENET_MEAN,
  IMAGENET_STD,
  type ModelManifest,
  type ModelSource,
  parseModelManifest,
} from '@blurgate/core';
import type { ConvertedModel } from './convert-checkpoint.js';

export interface ConvertedManifestOptions {
  /** kebab-case model name; default `blurgate-mnv3-large` / `blurgate-mnv3-small` by architecture. */
  readonly name?: string;
  /** semver; default `0.0.0-local`. */
  readonly version?: string;
  /** ONNX file name relative to the manifest. */
  readonly file: string;
  /** sha256 (hex) of the ONNX file. */
  readonly sha256: string;
  readonly source: ModelSource;
  readonly description?: string;
}

/**
 * The manifest of a freshly converted model (docs/reference-arithmetic.md §6): the reference's preprocessing, default
 * scales and thresholds, labels, the given source, and no metrics yet. Validated with core's parser.
 */
export function convertedModelManifest(
  converted: Pick<ConvertedModel, 'architecture' | 'inputChannels'>,
  options: ConvertedManifestOptions,
): ModelManifest {
  const manifest: ModelManifest = {
    schemaVersion: 1,
    name:
      options.name ?? (converted.architecture === 'mobilenet_v3_large' ? 'blurgate-mnv3-large' : 'blurgate-mnv3-small'),
    version: options.version ?? '0.0.0-local',
    description:
      options.description ??
      `FreqAux + torchvision ${converted.architecture}, converted from a PyTorch checkpoint by blurgate-eval convert`,
    architecture: converted.architecture,
    inputChannels: converted.inputChannels,
    file: options.file,
    sha256: options.sha256,
    preprocessing: {
      resize: 'pillow-bilinear-squash',
      mean: [...IMAGENET_MEAN] as [number, number, number],
      std: [...IMAGENET_STD] as [number, number, number],
      freqAux: converted.inputChannels === 4 ? 'core' : 'in-graph',
    },
    scales: [...DEFAULT_SCALES],
    thresholds: { confidence: DEFAULT_CONFIDENCE_THRESHOLD, blur: DEFAULT_BLUR_THRESHOLD },
    labels: ['sharp', 'blurred'],
    source: options.source,
    metrics: [],
  };
  return parseModelManifest(manifest, 'converted manifest');
}
