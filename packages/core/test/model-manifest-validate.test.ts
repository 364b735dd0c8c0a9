import { describe, expect, it } from 'vitest';
import {
  assertModelCompatible,
  ModelError,
  type ModelManifest,
  parseModelManifest,
  SUPPORTED_MODEL_MAJORS,
} from '../src/index.js';
import { FAKE_SHA256, manifestFields } from './manifest-fixture.js';

const WHERE = 'models/blurgate-mnv3-large/1.0.0/manifest.json';

/** A manifest of a Hub model with a description, one metrics row and a license. */
function validManifest(): Record<string, unknown> {
  return manifestFields({
    name: 'blurgate-mnv3-large',
    description: 'test',
    architecture: 'mobilenet_v3_large',
    scales: [256, 320, 384, 448, 512],
    thresholds: { confidence: 0.6, blur: 0.5 },
    source: {
      kind: 'huggingface',
      repo: 'bradduy/MagikaDocumentFromPixel',
      file: 'best.pt',
      revision: '0123456789abcdef0123456789abcdef01234567',
      sha256: FAKE_SHA256,
    },
    metrics: [
      {
        dataset: 'GoPro Large test',
        images: 2222,
        scales: [256, 320, 384, 448, 512],
        accuracy: 0.98,
        precision: 0.99,
        recall: 0.96,
        f1: 0.98,
        rocAuc: 0.99,
        command: 'blurgate-eval run',
      },
    ],
    license: 'MIT',
  });
}

/** Sets a dotted path (`a.b`, `metrics.0.f1`) to a value, or deletes it when value is undefined. */
function withField(path: string, value: unknown): Record<string, unknown> {
  const manifest = validManifest();
  const keys = path.split('.');
  let target = manifest as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  const last = keys[keys.length - 1];
  if (value === undefined) delete target[last];
  else target[last] = value;
  return manifest;
}

describe('parseModelManifest', () => {
  it('accepts a full manifest and returns its fields', () => {
    const manifest: ModelManifest = parseModelManifest(validManifest(), WHERE);
    expect(manifest).toEqual(validManifest());
  });
  it('accepts JSON text, null file/sha256, training sources and no metrics', () => {
    const json = JSON.stringify({
      ...validManifest(),
      file: null,
      sha256: null,
      inputChannels: 3,
      preprocessing: { ...(validManifest()['preprocessing'] as object), freqAux: 'in-graph' },
      source: { kind: 'training', recipe: 'tools/train at abc', checkpointSha256: null },
      metrics: [],
      extraFutureField: true,
    });
    const manifest = parseModelManifest(json, WHERE);
    expect(manifest.file).toBeNull();
    expect(manifest.source).toEqual({ kind: 'training', recipe: 'tools/train at abc', checkpointSha256: null });
    expect(manifest).not.toHaveProperty('extraFutureField');
  });

  it.each([
    ['scales', [256, 0], '"scales" must be a non-empty array of positive integers'],
    ['scales', [], '"scales" must be a non-empty array of positive integers'],
    ['schemaVersion', 2, '"schemaVersion" must be one of 1'],
    ['name', 'Blurgate Model', '"name" must be a kebab-case name'],
    ['name', undefined, '"name" must be a kebab-case name'],
    ['version', '1.0', '"version" must be a semver version'],
    ['architecture', 'resnet50', '"architecture" must be one of "mobilenet_v3_large", "mobilenet_v3_small"'],
    ['inputChannels', 5, '"inputChannels" must be one of 3, 4'],
    ['file', '../escape.onnx', '"file" must be a path relative to the manifest\'s folder'],
    ['file', '', '"file" must be a non-empty string'],
    ['sha256', 'A'.repeat(64), '"sha256" must be a sha256 of 64 lowercase hex digits or null'],
    ['sha256', 'abc', '"sha256" must be a sha256'],
    ['preprocessing', undefined, '"preprocessing" must be an object'],
    ['preprocessing.resize', 'bicubic', '"preprocessing.resize" must be one of "pillow-bilinear-squash"'],
    ['preprocessing.mean', [0.5, 0.5], '"preprocessing.mean" must be an array of 3 numbers'],
    ['preprocessing.std', [0.2, 0, 0.2], '"preprocessing.std" must be an array of 3 positive numbers'],
    ['preprocessing.freqAux', 'in-graph', '"preprocessing.freqAux" must be "core" for a 4-channel model'],
    ['thresholds.confidence', 1.2, '"thresholds.confidence" must be a number between 0 and 1, got 1.2'],
    ['thresholds.blur', undefined, '"thresholds.blur" must be a number between 0 and 1'],
    ['labels', ['blurred', 'sharp'], '"labels" must be ["sharp", "blurred"]'],
    ['source.kind', 'ftp', '"source.kind" must be one of "huggingface", "training"'],
    ['source.repo', 'no-slash', '"source.repo" must be a Hub repo'],
    ['source.revision', 'main', '"source.revision" must be a 40-hex commit or null'],
    ['source.sha256', 'xyz', '"source.sha256" must be a sha256'],
    ['metrics', {}, '"metrics" must be an array'],
    ['metrics.0.f1', 1.5, '"metrics[0].f1" must be a number between 0 and 1'],
    ['metrics.0.images', -1, '"metrics[0].images" must be a whole number'],
    ['metrics.0.dataset', '', '"metrics[0].dataset" must be a non-empty string'],
    ['metrics.0.scales', [384.5], '"metrics[0].scales" must be a non-empty array of positive integers'],
    ['license', 3, '"license" must be a non-empty string'],
  ])('refuses %s = %j naming the field', (path, value, message) => {
    try {
      parseModelManifest(withField(path, value), WHERE);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ModelError);
      expect((error as ModelError).code).toBe('INVALID_MANIFEST');
      expect((error as Error).message).toContain(`${WHERE}: ${message}`);
    }
  });

  it('refuses a sha256 without a file', () => {
    expect(() => parseModelManifest({ ...validManifest(), file: null }, WHERE)).toThrow(
      '"sha256" must be null when "file" is null',
    );
  });
  it('refuses JSON that is not an object, or not JSON', () => {
    expect(() => parseModelManifest('[1]', WHERE)).toThrow(`${WHERE}: must be a JSON object`);
    expect(() => parseModelManifest('{oops', WHERE)).toThrow(/is not valid JSON/);
    expect(() => parseModelManifest(null)).toThrow(/^manifest.json: must be a JSON object/);
  });
});

describe('assertModelCompatible', () => {
  it('supports majors 1 and 2', () => {
    expect(SUPPORTED_MODEL_MAJORS).toEqual([1, 2]);
    expect(() => assertModelCompatible({ name: 'm', version: '1.4.2' })).not.toThrow();
    expect(() => assertModelCompatible({ name: 'blurgate-synth', version: '2.0.0' })).not.toThrow();
  });
  it.each(['3.0.0', '0.1.0'])('refuses %s naming both versions', (version) => {
    try {
      assertModelCompatible({ name: 'blurgate-mnv3-large', version });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ModelError);
      expect((error as ModelError).code).toBe('UNSUPPORTED_MODEL');
      expect((error as Error).message).toContain(version);
      expect((error as Error).message).toContain('1.x, 2.x');
    }
  });
});
