/**
 * End to end: `pnpm release` in a throw-away clone of this repository with a fixture default model (the tiny
 * test model under the default model's name, so these tests never need the trained model). The tests in this
 * file run in order and share the clone: prepare, install the tarballs, publish, refuse.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHub, startFakeHub } from '../../packages/eval/test-support/fake-hub.js';
import { type LocalRegistry, startLocalRegistry } from './local-registry.js';
import type { ReleaseManifest } from './release-manifest.js';
import { FIXTURE_CARD_PROSE, FIXTURE_MODEL_NAME, FIXTURE_MODEL_VERSION } from './test-support/fixture-model.js';
import { childEnv, run, runOk } from './test-support/run-command.js';
import { type TempClone, makeTempClone } from './test-support/temp-clone.js';

const sourceRoot = join(import.meta.dirname, '..', '..');
const image = join(sourceRoot, 'packages', 'node', 'test', 'fixtures', 'images', 'flower.png');
const modelRel = `models/${FIXTURE_MODEL_NAME}/${FIXTURE_MODEL_VERSION}/model.onnx`;
const HF_TOKEN = 'hf_release_e2e_token';
const NPM_FLAGS = ['--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

let tmp: string;
let clone: TempClone;
let version: string;
let manifest: ReleaseManifest;
let registry: LocalRegistry | undefined;
let hub: FakeHub | undefined;
let tarballProject: { dir: string; env: NodeJS.ProcessEnv } | undefined;

async function gitStatus(): Promise<string> {
  return (await runOk('git', ['status', '--porcelain', '--untracked-files=all'], clone.dir)).stdout.trim();
}

/** An empty npm project outside any workspace, whose user model store is empty. */
async function emptyProject(name: string): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = join(tmp, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name, version: '0.0.0', private: true })}\n`);
  const env = childEnv({ XDG_CACHE_HOME: join(tmp, `${name}-cache`) });
  delete env['BLURGATE_MODELS_DIR'];
  delete env['BLURGATE_HOME'];
  return { dir, env };
}

async function classify(project: { dir: string; env: NodeJS.ProcessEnv }) {
  const result = await runOk(
    'npx',
    ['--no-install', 'blurgate', 'classify', image, '--json'],
    project.dir,
    project.env,
  );
  const line = JSON.parse(result.stdout.trim().split('\n')[0]!) as Record<string, unknown>;
  expect(['sharp', 'blurred', 'uncertain']).toContain(line['label']);
  expect((line['prob_sharp'] as number) + (line['prob_blurred'] as number)).toBeCloseTo(1, 3);
  return line;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'blurgate-release-'));
  clone = await makeTempClone(sourceRoot, join(tmp, 'repo'), { publishMetadata: true });
  for (const note of clone.patched) console.warn(`release test: the clone needed a fix the repo lacks: ${note}`);
  version = JSON.parse(await readFile(join(clone.dir, 'packages', 'core', 'package.json'), 'utf8')).version;
}, 180_000);

afterAll(async () => {
  await registry?.close();
  await hub?.close();
  // BLURGATE_KEEP_RELEASE_TMP=1 keeps the clone and projects for a look after a failure.
  if (tmp && !process.env['BLURGATE_KEEP_RELEASE_TMP']) await rm(tmp, { recursive: true, force: true });
});

describe('pnpm release in a temporary clone', () => {
  it('refuses a dirty work tree', async () => {
    await writeFile(join(clone.dir, 'stray.txt'), 'not committed\n');
    const result = await run('pnpm', ['release', '--dry-run', '--skip-tests'], clone.dir);
    await rm(join(clone.dir, 'stray.txt'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/work tree is not clean[\s\S]*stray\.txt/);
  });

  it('regenerates a stale model card, keeps its prose, and stops until the card is committed', async () => {
    const result = await run('pnpm', ['release', '--dry-run', '--skip-tests'], clone.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`model cards were out of date`);
    expect(result.stderr).toContain(`models/${FIXTURE_MODEL_NAME}/${FIXTURE_MODEL_VERSION}/README.md`);
    const card = await readFile(
      join(clone.dir, 'models', FIXTURE_MODEL_NAME, FIXTURE_MODEL_VERSION, 'README.md'),
      'utf8',
    );
    expect(card).toContain(FIXTURE_CARD_PROSE);
    expect(card).toContain('| release-fixture test images (4 images) | 4 | 384 | 0.7500 |');
    await clone.commitAll('release test: regenerated model card');
  }, 240_000);

  it('--dry-run writes releases/<version>.json and the tarballs, and leaves the tree clean', async () => {
    await runOk('pnpm', ['release', '--dry-run', '--skip-tests'], clone.dir);
    manifest = JSON.parse(await readFile(join(clone.dir, 'releases', `${version}.json`), 'utf8')) as ReleaseManifest;
    const head = (await runOk('git', ['rev-parse', 'HEAD'], clone.dir)).stdout.trim();
    const onnx = await readFile(join(clone.dir, modelRel));
    const modelSha = createHash('sha256').update(onnx).digest('hex');

    expect(manifest.version).toBe(version);
    expect(manifest.git.commit).toBe(head);
    expect(manifest.supportedModelMajors).toContain(1);
    expect(manifest.defaultModel).toEqual({
      name: FIXTURE_MODEL_NAME,
      version: FIXTURE_MODEL_VERSION,
      sha256: modelSha,
    });
    expect(manifest.models.find((m) => m.default)?.bundledIn).toEqual(['@blurgate/node']);
    expect(manifest.packages.map((p) => p.name)).toEqual([
      '@blurgate/core',
      '@blurgate/eval',
      '@blurgate/node',
      '@blurgate/queue',
      '@blurgate/server',
      '@blurgate/web',
    ]);
    for (const pkg of manifest.packages) {
      expect(pkg.version).toBe(version);
      const bytes = await readFile(join(clone.dir, 'releases', version, pkg.tarball));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(pkg.sha256);
    }
    expect(manifest.packages.find((p) => p.name === '@blurgate/node')?.bundledModel?.sha256).toBe(modelSha);
    const listing = (
      await runOk('tar', ['-tzf', join(clone.dir, 'releases', version, `blurgate-node-${version}.tgz`)], clone.dir)
    ).stdout;
    expect(listing).toContain(`package/models/${FIXTURE_MODEL_NAME}/${FIXTURE_MODEL_VERSION}/model.onnx`);
    expect(listing).toContain(`package/models/${FIXTURE_MODEL_NAME}/${FIXTURE_MODEL_VERSION}/manifest.json`);
    expect(await gitStatus()).toBe('');
  }, 240_000);

  it('the tarballs install into an empty project with plain npm and `blurgate classify` runs there', async () => {
    const project = await emptyProject('from-tarballs');
    const tarballs = ['core', 'node'].map((n) => join(clone.dir, 'releases', version, `blurgate-${n}-${version}.tgz`));
    await runOk('npm', ['install', ...NPM_FLAGS, ...tarballs], project.dir, project.env);
    await classify(project);
    tarballProject = project;
  }, 240_000);

  // The empty project has no other model store (no repo, empty user cache), so the model is the bundled one.
  it('`blurgate --version` of the installed package names the package and the bundled model versions', async () => {
    expect(tarballProject, 'the tarball install test must pass first').toBeDefined();
    const project = tarballProject!;
    const versionText = (await runOk('npx', ['--no-install', 'blurgate', '--version'], project.dir, project.env))
      .stdout;
    expect(versionText).toContain(version);
    expect(versionText).toContain(`${FIXTURE_MODEL_NAME} ${FIXTURE_MODEL_VERSION}`);
    expect(versionText).toContain(`sha256 ${manifest.defaultModel.sha256}`);
  });

  it('--publish --no-dry-run publishes to a local registry and uploads the model to the fake hub', async () => {
    registry = await startLocalRegistry();
    hub = await startFakeHub({ requireToken: HF_TOKEN });
    const npmrc = join(tmp, 'publish.npmrc');
    await writeFile(npmrc, `${registry.url.replace(/^http:/, '')}:_authToken=${registry.token}\n`);
    const env = childEnv({ HF_TOKEN, NPM_CONFIG_USERCONFIG: npmrc });
    const args = [
      'release',
      '--publish',
      '--no-dry-run',
      '--skip-tests',
      '--registry',
      registry.url,
      '--hub-url',
      hub.url,
    ];
    const result = await runOk('pnpm', args, clone.dir, env);
    expect(`${result.stdout}${result.stderr}`).not.toContain(HF_TOKEN);

    expect([...registry.published].sort()).toEqual(
      [
        '@blurgate/core',
        '@blurgate/eval',
        '@blurgate/node',
        '@blurgate/queue',
        '@blurgate/server',
        '@blurgate/web',
      ].map((n) => `${n}@${version}`),
    );
    expect(hub.commits).toHaveLength(1);
    const commit = hub.commits[0]!;
    expect(commit.repo).toBe('blurgate/blurgate-synth');
    expect(commit.title).toBe(`blurgate release ${version}: ${FIXTURE_MODEL_NAME} ${FIXTURE_MODEL_VERSION}`);
    const modelDir = join(clone.dir, 'models', FIXTURE_MODEL_NAME, FIXTURE_MODEL_VERSION);
    for (const file of ['model.onnx', 'manifest.json', 'README.md']) {
      expect(Buffer.from(commit.files.get(file)!).equals(await readFile(join(modelDir, file)))).toBe(true);
    }
    expect(await gitStatus()).toBe('');

    // What npm serves carries exactly the files of the tarballs the release manifest recorded.
    const published = JSON.parse(
      await readFile(join(clone.dir, 'releases', `${version}.json`), 'utf8'),
    ) as ReleaseManifest;
    for (const pkg of published.packages) {
      const doc = (await (await fetch(`${registry.url}${pkg.name.replace('/', '%2f')}`)).json()) as {
        versions: Record<string, { dist: { tarball: string } }>;
      };
      const bytes = Buffer.from(await (await fetch(doc.versions[version]!.dist.tarball)).arrayBuffer());
      const local = join(clone.dir, 'releases', version, pkg.tarball);
      const served = join(tmp, `served-${pkg.tarball}`);
      await writeFile(served, bytes);
      if (createHash('sha256').update(bytes).digest('hex') !== pkg.sha256) {
        const a = join(tmp, 'unpacked', 'released', pkg.tarball);
        const b = join(tmp, 'unpacked', 'served', pkg.tarball);
        await mkdir(a, { recursive: true });
        await mkdir(b, { recursive: true });
        await runOk('tar', ['-xzf', local, '-C', a], tmp);
        await runOk('tar', ['-xzf', served, '-C', b], tmp);
        // `pnpm publish -r` packs again, and the order it writes a manifest's dependency keys in has varied
        // between runs (seen with six packages); that order means nothing to npm, so compare manifests as data.
        for (const dir of [a, b])
          await writeFile(
            join(dir, 'package/package.json'),
            canonicalJson(await readFile(join(dir, 'package/package.json'), 'utf8')),
          );
        const diff = await run('diff', ['-r', a, b], tmp);
        expect(diff.stdout, `${pkg.name}: the registry serves other files than ${pkg.tarball}`).toBe('');
      }
    }

    const project = await emptyProject('from-registry');
    await runOk(
      'npm',
      ['install', ...NPM_FLAGS, `--@blurgate:registry=${registry.url}`, '@blurgate/node'],
      project.dir,
      project.env,
    );
    await classify(project);
  }, 240_000);

  it('a second publish of the same model version is refused before anything is published', async () => {
    const npmrc = join(tmp, 'publish.npmrc');
    const env = childEnv({ HF_TOKEN, NPM_CONFIG_USERCONFIG: npmrc });
    const args = [
      'release',
      '--publish',
      '--no-dry-run',
      '--skip-tests',
      '--registry',
      registry!.url,
      '--hub-url',
      hub!.url,
    ];
    const result = await run('pnpm', args, clone.dir, env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`already has ${FIXTURE_MODEL_NAME} ${FIXTURE_MODEL_VERSION}`);
    expect(hub!.commits).toHaveLength(1);
    expect(registry!.published).toHaveLength(6);
  }, 240_000);

  it('a tampered model file stops the release with an error naming the file', async () => {
    const path = join(clone.dir, modelRel);
    const bytes = await readFile(path);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(path, bytes);
    await clone.commitAll('release test: tamper with the model');
    const result = await run('pnpm', ['release', '--dry-run', '--skip-tests'], clone.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`sha256 mismatch for ${modelRel}`);
    expect(result.stdout).not.toContain('packed');
  }, 240_000);

  it('`changeset version` bumps the six packages together and writes their changelogs', async () => {
    await runOk('git', ['revert', '--no-edit', 'HEAD'], clone.dir);
    await runOk('pnpm', ['changeset', 'version'], clone.dir);
    const versions = new Set<string>();
    for (const name of ['core', 'node', 'web', 'eval', 'server', 'queue']) {
      const dir = join(clone.dir, 'packages', name);
      versions.add(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')).version);
      const changelog = await readFile(join(dir, 'CHANGELOG.md'), 'utf8');
      expect(changelog).toContain(name === 'server' ? 'the gate as an HTTP service' : 'First release of blurgate');
    }
    expect(versions.size).toBe(1);
    expect([...versions][0]).not.toBe(version);
    const tools = JSON.parse(await readFile(join(clone.dir, 'tools', 'package.json'), 'utf8'));
    expect(tools.private).toBe(true);
    expect(tools.version).toBe('0.0.0');
  }, 60_000);
});

/** A JSON document with object keys sorted at every depth, so that key order does not count in a diff. */
function canonicalJson(text: string): string {
  const sortKeys = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sortKeys)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .sort(([x], [y]) => (x < y ? -1 : 1))
              .map(([k, v]) => [k, sortKeys(v)]),
          )
        : value;
  return `${JSON.stringify(sortKeys(JSON.parse(text)), null, 2)}\n`;
}
