import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelManifest } from '@blurgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHub, startFakeHub } from '../../packages/eval/test-support/fake-hub.js';
import { ReleaseError } from './release-error.js';
import type { ModelFolder } from './shipped-models.js';
import { writeFixtureModel } from './test-support/fixture-model.js';
import { uploadModelToHub } from './upload-model-to-hub.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const TOKEN = 'hf_release_test_token';
const REPO = 'blurgate/blurgate-synth';

let hub: FakeHub;
let tmp: string;
let model: ModelFolder;

beforeAll(async () => {
  hub = await startFakeHub({ requireToken: TOKEN });
  tmp = await mkdtemp(join(tmpdir(), 'blurgate-hub-upload-'));
  const dir = await writeFixtureModel(tmp, repoRoot);
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
  model = {
    name: manifest.name,
    version: manifest.version,
    dir,
    manifest,
    modelPath: join(dir, 'model.onnx'),
    cardPath: join(dir, 'README.md'),
  };
});

afterAll(async () => {
  await hub?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const options = () => ({
  model,
  repo: REPO,
  hubUrl: hub.url,
  accessToken: TOKEN,
  releaseVersion: '0.1.0',
  gitCommit: 'c'.repeat(40),
});

describe('Hub upload of the default model', () => {
  it('a dry run checks the Hub and commits nothing', async () => {
    const plan = await uploadModelToHub({ ...options(), dryRun: true });
    expect(plan.commit).toBeNull();
    expect(plan.files).toEqual(['model.onnx', 'manifest.json', 'README.md']);
    expect(hub.commits).toHaveLength(0);
  });

  it('refuses to upload without a token', async () => {
    await expect(uploadModelToHub({ ...options(), accessToken: undefined, dryRun: false })).rejects.toThrow(/HF_TOKEN/);
    expect(hub.commits).toHaveLength(0);
  });

  it('uploads the model, manifest and card in one commit naming the release', async () => {
    const result = await uploadModelToHub({ ...options(), dryRun: false });
    expect(hub.commits).toHaveLength(1);
    const commit = hub.commits[0]!;
    expect(commit.repo).toBe(REPO);
    expect(commit.title).toBe('blurgate release 0.1.0: blurgate-synth 1.0.0');
    expect(commit.description).toContain(model.manifest.sha256!);
    expect(result.commit).toBe(commit.id);
    for (const file of ['model.onnx', 'manifest.json', 'README.md']) {
      expect(Buffer.from(commit.files.get(file)!).equals(await readFile(join(model.dir, file)))).toBe(true);
    }
    // The upload went through the upload endpoints with the token.
    const uploads = hub.requests.filter((r) => r.path.includes('/preupload/') || r.path.includes('/commit/'));
    expect(uploads.length).toBeGreaterThanOrEqual(2);
    expect(uploads.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('refuses a second upload of the same model version, even as a dry run', async () => {
    for (const dryRun of [true, false]) {
      const attempt = uploadModelToHub({ ...options(), releaseVersion: '0.1.1', dryRun });
      await expect(attempt).rejects.toBeInstanceOf(ReleaseError);
      await expect(uploadModelToHub({ ...options(), dryRun })).rejects.toThrow(/already has blurgate-synth 1\.0\.0/);
    }
    expect(hub.commits).toHaveLength(1);
  });
});
