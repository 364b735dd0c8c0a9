import { ModelError } from './errors.js';
import type { ModelManifest, ModelMetrics, ModelSource } from './model-manifest.js';

/**
 * Model major versions this version of core can run. A model's major is its compatibility contract.
 * 2 (blurgate-synth 2.0.0) keeps major 1's input contract (4-channel RGB + FreqAux input, Pillow bilinear
 * squash, ImageNet mean/std); its default scales are the reference's 5-scale TTA instead of one scale.
 */
export const SUPPORTED_MODEL_MAJORS: readonly number[] = Object.freeze([1, 2]);

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const SHA256 = /^[0-9a-f]{64}$/;
const COMMIT = /^[0-9a-f]{40}$/;
const HF_REPO = /^[\w.-]+\/[\w.-]+$/;

type Json = Record<string, unknown>;

/** Collects the place of a field for error messages: `models/x/1.0.0/manifest.json: "scales" must …`. */
class FieldReader {
  constructor(private readonly where: string) {}

  fail(field: string, problem: string): never {
    throw new ModelError('INVALID_MANIFEST', `${this.where}: "${field}" ${problem}`);
  }

  object(value: unknown, field: string): Json {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(field, 'must be an object');
    return value as Json;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(field, 'must be a non-empty string');
    return value;
  }

  optionalString(value: unknown, field: string): string | undefined {
    return value === undefined ? undefined : this.string(value, field);
  }

  match(value: unknown, field: string, pattern: RegExp, description: string): string {
    if (typeof value !== 'string' || !pattern.test(value)) this.fail(field, `must be ${description}, got ${show(value)}`);
    return value;
  }

  sha256OrNull(value: unknown, field: string): string | null {
    if (value === null) return null;
    return this.match(value, field, SHA256, 'a sha256 of 64 lowercase hex digits or null');
  }

  oneOf<T extends string | number>(value: unknown, field: string, allowed: readonly T[]): T {
    if (!allowed.includes(value as T)) {
      this.fail(field, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${show(value)}`);
    }
    return value as T;
  }

  unitInterval(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      this.fail(field, `must be a number between 0 and 1, got ${show(value)}`);
    }
    return value;
  }

  scales(value: unknown, field: string): number[] {
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      !value.every((s) => typeof s === 'number' && Number.isInteger(s) && s > 0)
    ) {
      this.fail(field, 'must be a non-empty array of positive integers');
    }
    return [...(value as number[])];
  }

  triple(value: unknown, field: string, positive: boolean): [number, number, number] {
    if (
      !Array.isArray(value) ||
      value.length !== 3 ||
      !value.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0))
    ) {
      this.fail(field, `must be an array of 3 ${positive ? 'positive ' : ''}numbers (R, G, B)`);
    }
    return [value[0], value[1], value[2]];
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function readSource(r: FieldReader, value: unknown): ModelSource {
  const source = r.object(value, 'source');
  const kind = r.oneOf(source['kind'], 'source.kind', ['huggingface', 'training'] as const);
  if (kind === 'huggingface') {
    return {
      kind,
      repo: r.match(source['repo'], 'source.repo', HF_REPO, 'a Hub repo "owner/name"'),
      file: r.string(source['file'], 'source.file'),
      revision:
        source['revision'] === null
          ? null
          : r.match(source['revision'], 'source.revision', COMMIT, 'a 40-hex commit or null'),
      sha256: r.sha256OrNull(source['sha256'], 'source.sha256'),
    };
  }
  return {
    kind,
    recipe: r.string(source['recipe'], 'source.recipe'),
    checkpointSha256: r.sha256OrNull(source['checkpointSha256'], 'source.checkpointSha256'),
  };
}

function readMetrics(r: FieldReader, value: unknown): ModelMetrics[] {
  if (!Array.isArray(value)) r.fail('metrics', 'must be an array (empty when nothing was measured)');
  return value.map((entry: unknown, i: number) => {
    const at = `metrics[${i}]`;
    const m = r.object(entry, at);
    const images = m['images'];
    if (typeof images !== 'number' || !Number.isInteger(images) || images < 0) {
      r.fail(`${at}.images`, `must be a whole number ≥ 0, got ${show(images)}`);
    }
    const metric: ModelMetrics = {
      dataset: r.string(m['dataset'], `${at}.dataset`),
      images,
      scales: r.scales(m['scales'], `${at}.scales`),
      accuracy: r.unitInterval(m['accuracy'], `${at}.accuracy`),
      precision: r.unitInterval(m['precision'], `${at}.precision`),
      recall: r.unitInterval(m['recall'], `${at}.recall`),
      f1: r.unitInterval(m['f1'], `${at}.f1`),
      rocAuc: r.unitInterval(m['rocAuc'], `${at}.rocAuc`),
    };
    const command = r.optionalString(m['command'], `${at}.command`);
    return command === undefined ? metric : { ...metric, command };
  });
}

function readModelFile(r: FieldReader, value: unknown): string | null {
  if (value === null) return null;
  const file = r.string(value, 'file');
  if (file.startsWith('/') || file.includes('\\') || file.split('/').includes('..')) {
    r.fail('file', `must be a path relative to the manifest's folder, inside it, got ${show(file)}`);
  }
  return file;
}

/**
 * Validates a model's `manifest.json` (already parsed, or as JSON text) and returns a typed copy.
 * Every problem throws `ModelError('INVALID_MANIFEST')` naming the field, prefixed by `where`
 * (e.g. the manifest's path). Unknown extra fields are ignored, so newer minor fields do not break.
 */
export function parseModelManifest(json: unknown, where = 'manifest.json'): ModelManifest {
  const r = new FieldReader(where);
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (cause) {
      throw new ModelError('INVALID_MANIFEST', `${where}: is not valid JSON (${(cause as Error).message})`, { cause });
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelError('INVALID_MANIFEST', `${where}: must be a JSON object`);
  }
  const m = value as Json;
  r.oneOf(m['schemaVersion'], 'schemaVersion', [1] as const);
  const name = r.match(m['name'], 'name', KEBAB, 'a kebab-case name like "blurgate-mnv3-small"');
  const version = r.match(m['version'], 'version', SEMVER, 'a semver version like "1.0.0"');
  const description = r.optionalString(m['description'], 'description');
  const architecture = r.oneOf(m['architecture'], 'architecture', ['mobilenet_v3_large', 'mobilenet_v3_small'] as const);
  const inputChannels = r.oneOf(m['inputChannels'], 'inputChannels', [3, 4] as const);
  const file = readModelFile(r, m['file']);
  const sha256 = r.sha256OrNull(m['sha256'], 'sha256');
  if (file === null && sha256 !== null) r.fail('sha256', 'must be null when "file" is null');

  const p = r.object(m['preprocessing'], 'preprocessing');
  const preprocessing = {
    resize: r.oneOf(p['resize'], 'preprocessing.resize', ['pillow-bilinear-squash'] as const),
    mean: r.triple(p['mean'], 'preprocessing.mean', false),
    std: r.triple(p['std'], 'preprocessing.std', true),
    freqAux: r.oneOf(p['freqAux'], 'preprocessing.freqAux', ['core', 'in-graph'] as const),
  };
  const expectedFreqAux = inputChannels === 4 ? 'core' : 'in-graph';
  if (preprocessing.freqAux !== expectedFreqAux) {
    r.fail(
      'preprocessing.freqAux',
      `must be "${expectedFreqAux}" for a ${inputChannels}-channel model, got ${show(preprocessing.freqAux)}`,
    );
  }

  const scales = r.scales(m['scales'], 'scales');
  const t = r.object(m['thresholds'], 'thresholds');
  const thresholds = {
    confidence: r.unitInterval(t['confidence'], 'thresholds.confidence'),
    blur: r.unitInterval(t['blur'], 'thresholds.blur'),
  };
  const labels = m['labels'];
  if (!Array.isArray(labels) || labels.length !== 2 || labels[0] !== 'sharp' || labels[1] !== 'blurred') {
    r.fail('labels', `must be ["sharp", "blurred"] (logit 0 = sharp, 1 = blurred), got ${show(labels)}`);
  }
  const source = readSource(r, m['source']);
  const metrics = readMetrics(r, m['metrics']);
  const license = r.optionalString(m['license'], 'license');

  const manifest: ModelManifest = {
    schemaVersion: 1,
    name,
    version,
    ...(description === undefined ? {} : { description }),
    architecture,
    inputChannels,
    file,
    sha256,
    preprocessing,
    scales,
    thresholds,
    labels: ['sharp', 'blurred'],
    source,
    metrics,
    ...(license === undefined ? {} : { license }),
  };
  return manifest;
}

/** The major of a semver string, e.g. 1 for "1.2.3". */
export function modelVersionMajor(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '', 10);
}

/**
 * Refuses a model whose version major this core does not support, with
 * `ModelError('UNSUPPORTED_MODEL')` naming the model's version and the supported ones.
 */
export function assertModelCompatible(manifest: Pick<ModelManifest, 'name' | 'version'>): void {
  const major = modelVersionMajor(manifest.version);
  if (!SUPPORTED_MODEL_MAJORS.includes(major)) {
    const supported = SUPPORTED_MODEL_MAJORS.map((m) => `${m}.x`).join(', ');
    throw new ModelError(
      'UNSUPPORTED_MODEL',
      `model ${manifest.name} ${manifest.version} has major version ${Number.isNaN(major) ? '?' : major}, but this @blurgate/core runs model versions ${supported}; use a ${supported} model or a blurgate release that supports ${manifest.version}`,
    );
  }
}
