/** A valid-looking sha256 (64 lowercase hex digits) for manifests whose bytes are never hashed. */
export const FAKE_SHA256 = 'a'.repeat(64);

/**
 * The JSON fields of a valid 4-channel `blurgate-test` manifest (training source, no metrics), fresh on each
 * call so a test may edit nested fields; `overrides` replace whole top-level fields.
 */
export function manifestFields(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemaVersion: 1,
    name: 'blurgate-test',
    version: '1.0.0',
    architecture: 'mobilenet_v3_small',
    inputChannels: 4,
    file: 'model.onnx',
    sha256: FAKE_SHA256,
    preprocessing: {
      resize: 'pillow-bilinear-squash',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      freqAux: 'core',
    },
    scales: [320],
    thresholds: { confidence: 0.9, blur: 0.3 },
    labels: ['sharp', 'blurred'],
    source: { kind: 'training', recipe: 'test', checkpointSha256: null },
    metrics: [],
    ...overrides,
  };
}
