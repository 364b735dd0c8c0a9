// End to end through the built command lines, as a user runs them: `blurgate-eval models pull` against a
// fake hub serving a reduced-width MobileNetV3-Large checkpoint saved like best.pt, then
// `blurgate classify --model <name> --json`, compared with PyTorch's predictions. Both fixtures
// (test/hub/fixtures/e2e-large.pt, pull-expected.json) are written by test/hub/make_pull_expected.py.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHub, startFakeHub } from '../../test-support/fake-hub.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const evalCli = join(here, '..', '..', 'dist', 'cli.js');
const nodeCli = join(dirname(createRequire(import.meta.url).resolve('@blurgate/node/package.json')), 'dist', 'cli.js');
const checkpointPath = join(here, 'fixtures', 'e2e-large.pt');
const imagesDir = join(here, '..', '..', '..', 'node', 'test', 'fixtures', 'images');
const REPO = 'test-org/blurgate-e2e';

interface Expected {
  checkpointSha256: string;
  images: { file: string; label: string; prob_sharp: number; prob_blurred: number }[];
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let hub: FakeHub;
let root: string;
let checkpoint: Buffer;
let expected: Expected;
let manifestPath: string;

/** Runs a CLI with only the environment the test chooses (no user caches, no real Hub). */
async function cli(script: string, args: string[], env: Record<string, string>): Promise<Result> {
  const base: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: join(root, 'user-home') };
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], {
      env: { ...base, ...env },
      timeout: 90_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  for (const script of [evalCli, nodeCli]) {
    if (!existsSync(script)) {
      throw new Error(`${script} is missing: build first (pnpm turbo run build --filter=@blurgate/eval...)`);
    }
  }
  checkpoint = await readFile(checkpointPath);
  expected = JSON.parse(await readFile(join(here, 'fixtures', 'pull-expected.json'), 'utf8')) as Expected;
  const sha = createHash('sha256').update(checkpoint).digest('hex');
  if (sha !== expected.checkpointSha256) {
    throw new Error(
      `${checkpointPath} changed since pull-expected.json was written: run /usr/bin/python3 packages/eval/test/hub/make_pull_expected.py`,
    );
  }
  hub = await startFakeHub({ repos: { [REPO]: [{ path: 'best.pt', content: checkpoint, lfs: true }] } });
  root = await mkdtemp(join(tmpdir(), 'blurgate-models-cli-'));
  // A manifest like the reference model's, pointing at the fake hub's repo, unpinned.
  const reference = JSON.parse(
    await readFile(
      join(here, '..', '..', '..', '..', 'models', 'bradduy-magika-blur', '1.0.0', 'manifest.json'),
      'utf8',
    ),
  ) as Record<string, unknown>;
  const manifestDir = join(root, 'manifests', 'e2e-large', '1.0.0');
  await mkdir(manifestDir, { recursive: true });
  manifestPath = join(manifestDir, 'manifest.json');
  await writeFile(
    manifestPath,
    JSON.stringify({
      ...reference,
      name: 'e2e-large',
      description: 'test checkpoint e2e-large.pt (MobileNetV3-Large, width 0.2) served by a fake hub',
      source: { kind: 'huggingface', repo: REPO, file: 'best.pt', revision: null, sha256: null },
      metrics: [],
    }),
  );
});

afterAll(async () => {
  await hub?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('blurgate-eval models pull, then blurgate classify --model', () => {
  it('pulls, converts and installs; classify gives the PyTorch reference probabilities', async () => {
    const env = { BLURGATE_HOME: join(root, 'home'), HF_HOME: join(root, 'hf') };
    const pulled = await cli(evalCli, ['models', 'pull', manifestPath, '--hub-url', hub.url], env);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stderr).toContain('downloading best.pt');
    expect(pulled.stdout).toContain('installed e2e-large@1.0.0');

    const installedDir = join(root, 'home', 'models', 'e2e-large', '1.0.0');
    const installed = JSON.parse(await readFile(join(installedDir, 'manifest.json'), 'utf8'));
    expect(installed.source).toEqual({
      kind: 'huggingface',
      repo: REPO,
      file: 'best.pt',
      revision: hub.head(REPO),
      sha256: expected.checkpointSha256,
    });
    expect(installed.sha256).toBe(
      createHash('sha256')
        .update(await readFile(join(installedDir, 'model.onnx')))
        .digest('hex'),
    );
    // The checkpoint sits in the standard Hugging Face cache under HF_HOME.
    const cached = join(root, 'hf', 'hub', 'models--test-org--blurgate-e2e', 'snapshots', hub.head(REPO), 'best.pt');
    expect((await readFile(cached)).equals(checkpoint)).toBe(true);

    const listed = await cli(evalCli, ['models', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({ name: 'e2e-large', version: '1.0.0', present: true, dir: installedDir }),
    );

    const files = expected.images.map((image) => join(imagesDir, image.file));
    const classified = await cli(
      nodeCli,
      ['classify', '--model', 'e2e-large', '--json', '--no-progress', ...files],
      env,
    );
    expect(classified.code, classified.stderr).toBe(0);
    const lines = classified.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { file: string; label: string; prob_sharp: number; prob_blurred: number });
    expect(lines).toHaveLength(expected.images.length);
    for (const image of expected.images) {
      const line = lines.find((l) => l.file.endsWith(`/${image.file}`));
      expect(line, image.file).toBeDefined();
      // The CLI rounds to 4 decimals like the reference CLI; the reference values are unrounded.
      expect(Math.abs(line!.prob_sharp - image.prob_sharp), image.file).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(line!.prob_blurred - image.prob_blurred), image.file).toBeLessThanOrEqual(1e-4);
      expect(line!.label, image.file).toBe(image.label);
    }
  });

  it('re-pulls the recorded (pinned) revision from the cache with the hub stopped', async () => {
    const env = { BLURGATE_HOME: join(root, 'home'), HF_HOME: join(root, 'hf') };
    const requests = hub.requests.length;
    // `e2e-large` now resolves to the installed manifest, which records the commit and sha256.
    const again = await cli(
      evalCli,
      ['models', 'pull', 'e2e-large', '--force', '--hub-url', 'http://127.0.0.1:59999'],
      env,
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('(checkpoint from the cache)');
    expect(hub.requests.length).toBe(requests);
  });

  it('offline with an empty cache: says what to download and where to put it', async () => {
    const env = { BLURGATE_HOME: join(root, 'home2'), HF_HOME: join(root, 'hf2') };
    const offline = await cli(evalCli, ['models', 'pull', manifestPath, '--hub-url', 'http://127.0.0.1:59999'], env);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain(`http://127.0.0.1:59999/${REPO}/resolve/main/best.pt`);
    expect(offline.stderr).toContain('--checkpoint path/to/best.pt');
    expect(offline.stderr).toContain('[DOWNLOAD_FAILED]');
    expect(existsSync(join(root, 'home2', 'models', 'e2e-large'))).toBe(false);

    // ...and the local-file route it suggests works.
    const local = await cli(evalCli, ['models', 'pull', manifestPath, '--checkpoint', checkpointPath], env);
    expect(local.code).toBe(0);
    expect(local.stdout).toContain('installed e2e-large@1.0.0');
  });
});
