import compare from 'semver/functions/compare.js';
import parse from 'semver/functions/parse.js';
import { ModelError } from './errors.js';
import type { ModelManifest, ModelMetrics, ModelSource } from './model-manifest.js';

/**
 * Model major versions this version of core can run. A model's major is its compatibility contract.
 * 2 (blurgate-synth 2.0.0) keeps major 1's input contract (4-channel RGB + FreqAux input, Pillow bilinear
 * squash, ImageNet mean/std); its default scales are the reference's 5-scale TTA instead of one scale.
 */
export const SUPPORTED_MODEL_MAJORS: readonly number[] = Object.freeze([1, 2]);

/**
 * The pre-release tag that marks a local, unreleased model: `0.0.0-local` (what `blurgate-eval convert`
 * writes by default), `1.3.0-local.2`, ... Such a model makes no compatibility promise, so it runs
 * whatever its major, with a {@link ModelVersionNotice} for the caller to show.
 */
export const LOCAL_MODEL_TAG = 'local';

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
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
    if (typeof value !== 'string' || !pattern.test(value))
      this.fail(field, `must be ${description}, got ${show(value)}`);
    return value;
  }

  version(value: unknown, field: string): string {
    if (typeof value !== 'string' || !isModelVersion(value)) {
      this.fail(field, `must be a semver version like "1.0.0" or "0.0.0-local", got ${show(value)}`);
    }
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
 * It does not check the model's version against this core: see {@link assertModelCompatible}.
 *
 * @param json - The manifest: a parsed object or JSON text.
 * @param where - Where it came from, for messages (a path or URL); default `manifest.json`.
 * @returns The typed {@link ModelManifest} (a copy; extra fields dropped).
 * @throws {@link ModelError} `INVALID_MANIFEST` naming the first bad field.
 * @example
 * ```ts
 * const manifest = parseModelManifest(await (await fetch('/models/blurgate-synth/1.0.0/manifest.json')).text(), 'blurgate-synth');
 * manifest.scales; // [384]
 * ```
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
  const version = r.version(m['version'], 'version');
  const description = r.optionalString(m['description'], 'description');
  const architecture = r.oneOf(m['architecture'], 'architecture', [
    'mobilenet_v3_large',
    'mobilenet_v3_small',
  ] as const);
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

/**
 * Whether `version` is a semver version as manifests write it: `1.0.0`, `1.1.0-rc.10`, `0.0.0-local`,
 * `1.0.0+build.5` (no `v` prefix, no surrounding spaces).
 */
export function isModelVersion(version: string): boolean {
  return /^\d/.test(version) && parse(version) !== null;
}

/** Whether a model version is local and unreleased: its first pre-release identifier is {@link LOCAL_MODEL_TAG}. */
export function isLocalModelVersion(version: string): boolean {
  return parse(version)?.prerelease[0] === LOCAL_MODEL_TAG;
}

/**
 * Orders model versions by semver precedence (`1.10.0` after `1.9.0`, `1.0.0-rc.10` after `1.0.0-rc.9`,
 * a pre-release before its release). Strings that are not semver sort before every version, by text.
 */
export function compareModelVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (x && y) return compare(x, y);
  if (x) return 1;
  if (y) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The major of a semver string, e.g. 1 for "1.2.3"; NaN when it is not semver. */
export function modelVersionMajor(version: string): number {
  return parse(version)?.major ?? Number.NaN;
}

/** Something the caller may want to tell a person about a model that runs (library code never prints). */
export interface ModelVersionNotice {
  readonly code: 'LOCAL_MODEL';
  readonly message: string;
}

/**
 * Checks a model's version against what this core runs. A released model must have a supported major
 * ({@link SUPPORTED_MODEL_MAJORS}); a local, unreleased model ({@link isLocalModelVersion}) runs whatever
 * its major and comes back with a notice.
 *
 * @param manifest - the model's name and version (a validated manifest will do).
 * @returns null for a supported release; a {@link ModelVersionNotice} for a local model.
 * @throws {@link ModelError} `UNSUPPORTED_MODEL` naming the model's version and the supported majors.
 * @example
 * ```ts
 * const notice = assertModelCompatible(manifest);
 * if (notice) notices.push(notice.message); // the caller shows it; library code never prints
 * ```
 */
export function assertModelCompatible(manifest: Pick<ModelManifest, 'name' | 'version'>): ModelVersionNotice | null {
  if (isLocalModelVersion(manifest.version)) return localModelNotice(manifest);
  const major = modelVersionMajor(manifest.version);
  if (!SUPPORTED_MODEL_MAJORS.includes(major)) {
    const supported = SUPPORTED_MODEL_MAJORS.map((m) => `${m}.x`).join(', ');
    throw new ModelError(
      'UNSUPPORTED_MODEL',
      `model ${manifest.name} ${manifest.version} has major version ${Number.isNaN(major) ? '?' : major}, but this @blurgate/core runs model versions ${supported} (and local, unreleased models tagged -${LOCAL_MODEL_TAG}, e.g. 0.0.0-${LOCAL_MODEL_TAG}); use a ${supported} model or a blurgate release that supports ${manifest.version}`,
    );
  }
  return null;
}

/**
 * The notice for a local, unreleased model, or null for any other version.
 *
 * @param model - the model's name and version.
 * @returns `{code: 'LOCAL_MODEL', message}` when {@link isLocalModelVersion}, else null.
 */
export function localModelNotice(model: Pick<ModelManifest, 'name' | 'version'>): ModelVersionNotice | null {
  if (!isLocalModelVersion(model.version)) return null;
  return {
    code: 'LOCAL_MODEL',
    message:
      `model ${model.name} ${model.version} is a local, unreleased model (version tag -${LOCAL_MODEL_TAG}): ` +
      'it runs, but its version makes no compatibility promise; give it a release version (e.g. --version 1.0.0 ' +
      'when converting) before you share it',
  };
}
