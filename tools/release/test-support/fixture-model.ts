/**
 * A stand-in for the trained default model in release tests: the tiny 4-channel ONNX test model of
 * `packages/node/test/fixtures/models/` (a few hundred KB) renamed to the default model's name at version
 * 1.0.0, with a manifest whose sha256 matches and a hand-written model card. The release cannot tell it from
 * the real model, which keeps these tests independent of the (large, slow to make) trained model.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const FIXTURE_MODEL_NAME = 'blurgate-synth';
export const FIXTURE_MODEL_VERSION = '1.0.0';
export const FIXTURE_CARD_PROSE = 'Hand-written text of the fixture model card: it must survive regeneration.';

/** The tiny 4-channel test model of the node package, relative to the repository root. */
const TINY_MODEL = 'packages/node/test/fixtures/models/tiny-4ch.onnx';

/** Writes `models/<name>/<version>/` into `repoRoot` (replacing any existing versions of that model). */
export async function writeFixtureModel(repoRoot: string, sourceRoot = repoRoot): Promise<string> {
  const onnx = await readFile(join(sourceRoot, TINY_MODEL));
  const manifest = {
    schemaVersion: 1,
    name: FIXTURE_MODEL_NAME,
    version: FIXTURE_MODEL_VERSION,
    description: 'RELEASE TEST FIXTURE: the tiny 4-channel test model under the default model name.',
    architecture: 'mobilenet_v3_small',
    inputChannels: 4,
    file: 'model.onnx',
    sha256: createHash('sha256').update(onnx).digest('hex'),
    preprocessing: {
      resize: 'pillow-bilinear-squash',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      freqAux: 'core',
    },
    scales: [256, 320, 384, 448, 512],
    thresholds: { confidence: 0.6, blur: 0.5 },
    labels: ['sharp', 'blurred'],
    source: { kind: 'training', recipe: 'tools/fixtures/make_onnx_fixtures.py', checkpointSha256: null },
    license: 'MIT',
    metrics: [
      {
        dataset: 'release-fixture test images (4 images)',
        images: 4,
        scales: [384],
        accuracy: 0.75,
        precision: 1,
        recall: 0.5,
        f1: 0.6667,
        rocAuc: 0.875,
        command: 'blurgate-eval run fixtures --model blurgate-synth',
      },
    ],
  };
  await rm(join(repoRoot, 'models', FIXTURE_MODEL_NAME), { recursive: true, force: true });
  const dir = join(repoRoot, 'models', FIXTURE_MODEL_NAME, FIXTURE_MODEL_VERSION);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.onnx'), onnx);
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(
    join(dir, 'README.md'),
    `# ${FIXTURE_MODEL_NAME} ${FIXTURE_MODEL_VERSION} (release test fixture)\n\n${FIXTURE_CARD_PROSE}\n`,
  );
  return dir;
}
