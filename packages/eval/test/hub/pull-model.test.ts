import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlurgateError, type ModelManifest, parseModelManifest } from '@blurgate/core';
import { findModelManifest, loadModelFile, resolveModel } from '@blurgate/node/model-store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CheckpointConverter, listKnownModels, pullModel } from '../../src/hub/index.js';
import { type FakeHub, startFakeHub } from '../../test-support/fake-hub.js';
import { rejection } from './blurgate-rejection.js';

const REPO = 'test-org/blur-model';
const CHECKPOINT = new TextEncoder().encode('not really a checkpoint, the converter is stubbed here');
const CHECKPOINT_SHA = createHash('sha256').update(CHECKPOINT).digest('hex');
const ONNX = new TextEncoder().encode('onnx bytes from the stub converter');
const REPO_MANIFEST = JSON.parse(
  await readFile(new URL('../../../../models/bradduy-magika-blur/1.0.0/manifest.json', import.meta.url), 'utf8'),
) as ModelManifest;

function manifest(source: Partial<Extract<ModelManifest['source'], { kind: 'huggingface' }>> = {}): ModelManifest {
  return {
    ...REPO_MANIFEST,
    name: 'test-model',
    source: { kind: 'huggingface', repo: REPO, file: 'best.pt', revision: null, sha256: null, ...source },
  };
}

let hub: FakeHub;
let dir: string;
let modelsDir: string;
let cacheDir: string;
let converted: Uint8Array[];
const convert: CheckpointConverter = async (bytes) => {
  converted.push(bytes);
  return { onnx: ONNX, architecture: 'mobilenet_v3_large', inputChannels: 4 };
};

beforeEach(async () => {
  hub = await startFakeHub({ repos: { [REPO]: [{ path: 'best.pt', content: CHECKPOINT }] } });
  dir = await mkdtemp(join(tmpdir(), 'blurgate-pull-'));
  modelsDir = join(dir, 'models');
  cacheDir = join(dir, 'hf');
  converted = [];
});

afterEach(async () => {
  await hub.close();
  await rm(dir, { recursive: true, force: true });
});

const opts = () => ({ hubUrl: hub.url, modelsDir, cacheDir, convert });

describe('pullModel', () => {
  it('installs an unpinned model and records the revision and sha256 it got', async () => {
    const result = await pullModel(manifest(), opts());
    expect(result.status).toBe('installed');
    expect(result.dir).toBe(join(modelsDir, 'test-model', '1.0.0'));
    expect((await readdir(result.dir)).sort()).toEqual(['README.md', 'manifest.json', 'model.onnx']);
    const written = parseModelManifest(await readFile(join(result.dir, 'manifest.json'), 'utf8'));
    expect(written.source).toEqual({
      kind: 'huggingface',
      repo: REPO,
      file: 'best.pt',
      revision: hub.head(REPO),
      sha256: CHECKPOINT_SHA,
    });
    expect(written.file).toBe('model.onnx');
    expect(written.sha256).toBe(createHash('sha256').update(ONNX).digest('hex'));
    expect(written.metrics).toEqual(REPO_MANIFEST.metrics);
    expect(Buffer.from(converted[0]).equals(CHECKPOINT)).toBe(true);
    const readme = await readFile(join(result.dir, 'README.md'), 'utf8');
    expect(readme).toContain(hub.head(REPO));
    expect(readme).toContain(`${hub.url}/${REPO}/resolve/main/best.pt`);
    // The node model store finds it by name and its sha256 checks out.
    const resolved = await resolveModel('test-model', { roots: [modelsDir] });
    expect((await loadModelFile(resolved)).sha256).toBe(written.sha256);
    // No staging folders are left in the store.
    expect(await readdir(modelsDir)).toEqual(['test-model']);
    expect(await readdir(join(modelsDir, 'test-model'))).toEqual(['1.0.0']);
  });

  it('refuses a wrong pinned sha256 and installs nothing', async () => {
    const error = await rejection(pullModel(manifest({ sha256: '0'.repeat(64) }), opts()));
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(converted).toHaveLength(0);
    expect(existsSync(join(modelsDir, 'test-model', '1.0.0'))).toBe(false);
  });

  it('leaves an installed version alone without touching the network, and reinstalls with force', async () => {
    await pullModel(manifest(), opts());
    const before = hub.requests.length;
    const again = await pullModel(manifest(), opts());
    expect(again.status).toBe('already-installed');
    expect(hub.requests.length).toBe(before);
    const forced = await pullModel(manifest(), { ...opts(), force: true });
    expect(forced.status).toBe('installed');
    expect(converted).toHaveLength(2);
    expect(await readdir(modelsDir)).toEqual(['test-model']);
    expect(await readdir(join(modelsDir, 'test-model'))).toEqual(['1.0.0']);
  });

  it('installs from a local --checkpoint file, checked against a pinned sha256', async () => {
    const local = join(dir, 'best.pt');
    await writeFile(local, CHECKPOINT);
    await hub.close();
    const result = await pullModel(manifest({ sha256: CHECKPOINT_SHA }), { ...opts(), checkpointPath: local });
    expect(result.status).toBe('installed');
    expect(result.manifest.source).toMatchObject({ revision: null, sha256: CHECKPOINT_SHA });
    await writeFile(local, new TextEncoder().encode('tampered'));
    const error = await rejection(
      pullModel(manifest({ sha256: CHECKPOINT_SHA }), { ...opts(), checkpointPath: local, force: true }),
    );
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    // The good install is still there.
    expect(existsSync(join(result.dir, 'model.onnx'))).toBe(true);
  });

  it('records the commit of an explicit --revision', async () => {
    const first = hub.head(REPO);
    hub.commit(REPO, [{ path: 'best.pt', content: new TextEncoder().encode('newer') }], 'newer weights');
    const result = await pullModel(manifest(), { ...opts(), revision: first });
    expect(result.manifest.source).toMatchObject({ revision: first, sha256: CHECKPOINT_SHA });
  });

  it('keeps nothing when conversion fails or the architecture differs', async () => {
    const failing: CheckpointConverter = async () => {
      throw new BlurgateError('CONVERSION_FAILED', 'stub failure');
    };
    const error = await rejection(pullModel(manifest(), { ...opts(), convert: failing }));
    expect(error.code).toBe('CONVERSION_FAILED');
    const small: CheckpointConverter = async () => ({
      onnx: ONNX,
      architecture: 'mobilenet_v3_small',
      inputChannels: 4,
    });
    const mismatch = await rejection(pullModel(manifest(), { ...opts(), convert: small }));
    expect(mismatch.code).toBe('UNSUPPORTED_MODEL');
    expect(existsSync(join(modelsDir, 'test-model', '1.0.0'))).toBe(false);
    const leftovers = existsSync(modelsDir) ? await readdir(modelsDir) : [];
    expect(leftovers).toEqual([]);
  });

  it('installs a 3-channel model with FreqAux in the graph when asked', async () => {
    const byOption: CheckpointConverter = async (_bytes, options) => ({
      onnx: ONNX,
      architecture: 'mobilenet_v3_large',
      inputChannels: options.freqAuxInGraph ? 3 : 4,
    });
    const result = await pullModel(manifest(), { ...opts(), convert: byOption, freqAuxInGraph: true });
    const written = parseModelManifest(await readFile(join(result.dir, 'manifest.json'), 'utf8'));
    expect(written.inputChannels).toBe(3);
    expect(written.preprocessing.freqAux).toBe('in-graph');
  });

  it('reports a missing file on the hub as DOWNLOAD_FAILED', async () => {
    const error = await rejection(pullModel(manifest({ file: 'missing.pt' }), opts()));
    expect(error.code).toBe('DOWNLOAD_FAILED');
    expect(error.message).toContain('missing.pt');
  });

  it('says exactly what to download when offline with nothing cached', async () => {
    await hub.close();
    const error = await rejection(pullModel(manifest(), opts()));
    expect(error.code).toBe('DOWNLOAD_FAILED');
    expect(error.message).toContain(`${hub.url}/${REPO}/resolve/main/best.pt`);
    expect(error.message).toContain('blurgate-eval models pull test-model --checkpoint path/to/best.pt');
  });
});

describe('known models', () => {
  it('finds manifests by name, name@version or path, and lists them as absent then present', async () => {
    const repoModels = join(dir, 'repo-models');
    await mkdir(join(repoModels, 'test-model', '1.0.0'), { recursive: true });
    await writeFile(join(repoModels, 'test-model', '1.0.0', 'manifest.json'), JSON.stringify(manifest()));
    const roots = [modelsDir, repoModels];
    const find = async (spec: string) => (await findModelManifest(spec, { roots })).manifest;
    expect((await find('test-model')).source).toMatchObject({ repo: REPO, revision: null });
    expect((await find('test-model@1.0.0')).version).toBe('1.0.0');
    expect((await find(join(repoModels, 'test-model', '1.0.0'))).name).toBe('test-model');
    await expect(find('test-model@9.9.9')).rejects.toThrow(/no manifest for test-model@9.9.9/);

    expect(await listKnownModels(roots)).toMatchObject([{ name: 'test-model', version: '1.0.0', present: false }]);
    await pullModel('test-model', { ...opts(), roots });
    const [listed] = await listKnownModels(roots);
    expect(listed).toMatchObject({ present: true, dir: join(modelsDir, 'test-model', '1.0.0') });
    expect(listed.source).toBe(
      `huggingface ${REPO} best.pt @ ${hub.head(REPO)}, sha256 ${CHECKPOINT_SHA.slice(0, 12)}…`,
    );
  });

  it('a model shipped with its file in a store root needs no pull', async () => {
    const shipped = join(dir, 'repo-models', 'shipped', '1.2.0');
    await mkdir(shipped, { recursive: true });
    await writeFile(join(shipped, 'model.onnx'), ONNX);
    const sha = createHash('sha256').update(ONNX).digest('hex');
    await writeFile(
      join(shipped, 'manifest.json'),
      JSON.stringify({ ...manifest(), name: 'shipped', version: '1.2.0', file: 'model.onnx', sha256: sha }),
    );
    const result = await pullModel('shipped', { ...opts(), roots: [modelsDir, join(dir, 'repo-models')] });
    expect(result).toMatchObject({ status: 'already-installed', dir: shipped, version: '1.2.0' });
    expect(hub.requests).toHaveLength(0);
    expect(converted).toHaveLength(0);
    // A manifest this core cannot run is reported as such, not as "no manifest".
    const future = join(dir, 'repo-models', 'future', '9.0.0');
    await mkdir(future, { recursive: true });
    await writeFile(join(future, 'manifest.json'), JSON.stringify({ ...manifest(), name: 'future', version: '9.0.0' }));
    await expect(pullModel('future', { ...opts(), roots: [join(dir, 'repo-models')] })).rejects.toThrow(
      /major version 9/,
    );
  });

  it('the repo manifest of the reference model is valid and unpinned', () => {
    const parsed = parseModelManifest(REPO_MANIFEST);
    expect(parsed).toMatchObject({
      name: 'bradduy-magika-blur',
      architecture: 'mobilenet_v3_large',
      inputChannels: 4,
      file: null,
      sha256: null,
      scales: [256, 320, 384, 448, 512],
      thresholds: { confidence: 0.6, blur: 0.5 },
      source: {
        kind: 'huggingface',
        repo: 'bradduy/MagikaDocumentFromPixel',
        file: 'best.pt',
        revision: null,
        sha256: null,
      },
    });
    expect(parsed.metrics[0]).toMatchObject({
      images: 2222,
      f1: 0.9803,
      accuracy: 0.9806,
      precision: 0.9981,
      recall: 0.9631,
      rocAuc: 0.9989,
    });
    expect(parsed.metrics[0].dataset).toMatch(/reported by the model card.*not measured here/);
  });
});
