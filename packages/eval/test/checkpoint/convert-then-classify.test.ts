// `blurgate-eval convert best.pt --out dir/model.onnx && blurgate classify --model dir/model.onnx img.png`
// with no other flag, through both built command lines as a user runs them: the fresh conversion is a local,
// unreleased model (0.0.0-local) that classifies, with a notice on stderr. And a folder keeps one model:
// a second conversion into it is refused, and the first model keeps its own manifest.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseModelManifest } from '@blurgate/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const evalCli = join(here, '..', '..', 'dist', 'cli.js');
const nodeCli = join(dirname(createRequire(import.meta.url).resolve('@blurgate/node/package.json')), 'dist', 'cli.js');
const checkpoint = join(here, '..', 'fixtures', 'checkpoints', 'small.pt');
const imagesDir = join(here, '..', '..', '..', 'node', 'test', 'fixtures', 'images');
const IMAGES = ['flower.png', 'texture-blurred.png'].map((name) => join(imagesDir, name));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

let root: string;

/** Runs a CLI with a clean environment: no user store, no model roots but what the test names. */
async function cli(script: string, args: string[]): Promise<Outcome> {
  const env = { PATH: process.env['PATH'] ?? '', HOME: join(root, 'home'), BLURGATE_HOME: join(root, 'blurgate-home') };
  try {
    const { stdout, stderr } = await run(process.execPath, [script, ...args], { cwd: root, env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

interface JsonRecord {
  file: string;
  status: string;
  label: string | null;
  prob_blurred: number | null;
}

async function classify(model: string): Promise<{ outcome: Outcome; records: JsonRecord[] }> {
  const outcome = await cli(nodeCli, ['classify', '--model', model, '--json', '--no-progress', ...IMAGES]);
  const records = outcome.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as JsonRecord);
  return { outcome, records };
}

beforeAll(async () => {
  for (const script of [evalCli, nodeCli]) {
    if (!existsSync(script))
      throw new Error(`${script} is missing: build first (pnpm turbo run build --filter=@blurgate/eval...)`);
  }
  root = await mkdtemp(join(tmpdir(), 'blurgate-convert-classify-'));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('convert, then classify with no other flag', () => {
  it('a 4-channel and a 3-channel conversion each classify, and agree with each other', async () => {
    const results: Record<string, JsonRecord[]> = {};
    for (const [channels, extra] of [
      ['4ch', []],
      ['3ch', ['--freq-aux-in-graph']],
    ] as const) {
      const out = join(root, `model-${channels}`, 'model.onnx');
      const converted = await cli(evalCli, ['convert', checkpoint, '--out', out, ...extra]);
      expect(converted.code, converted.stderr).toBe(0);
      expect(converted.stderr).toContain('0.0.0-local is a local, unreleased model');
      const manifest = parseModelManifest(await readFile(join(dirname(out), 'manifest.json'), 'utf8'));
      expect(manifest).toMatchObject({ version: '0.0.0-local', inputChannels: channels === '4ch' ? 4 : 3 });

      const { outcome, records } = await classify(out);
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stderr).toMatch(
        /blurgate: notice: model blurgate-mnv3-small 0\.0\.0-local is a local, unreleased model/,
      );
      expect(outcome.stderr).toContain(`model blurgate-mnv3-small@0.0.0-local`);
      expect(records.map((r) => r.status)).toEqual(['ok', 'ok']);
      results[channels] = records;
    }
    // FreqAux in core (4 channels) and in the graph (3 channels) are the same arithmetic.
    for (let i = 0; i < IMAGES.length; i++) {
      expect(Math.abs(results['4ch'][i].prob_blurred! - results['3ch'][i].prob_blurred!)).toBeLessThanOrEqual(2e-4);
      expect(results['4ch'][i].label).toBe(results['3ch'][i].label);
    }
  });

  it('a second conversion into a folder that holds another model is refused; the first keeps its manifest', async () => {
    const folder = join(root, 'shared');
    const first = await cli(evalCli, ['convert', checkpoint, '--out', join(folder, 'first.onnx')]);
    expect(first.code, first.stderr).toBe(0);
    const manifestBefore = await readFile(join(folder, 'manifest.json'), 'utf8');

    const second = await cli(evalCli, [
      'convert',
      checkpoint,
      '--out',
      join(folder, 'second.onnx'),
      '--freq-aux-in-graph',
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`${join(folder, 'manifest.json')} already describes another model`);
    expect(second.stderr).toContain('first.onnx');
    expect(second.stderr).toContain('[CONVERSION_FAILED]');
    expect((await readdir(folder)).sort()).toEqual(['first.onnx', 'manifest.json']);
    expect(await readFile(join(folder, 'manifest.json'), 'utf8')).toBe(manifestBefore);

    // Re-converting the same file into its own folder is fine (its own manifest is replaced).
    const again = await cli(evalCli, [
      'convert',
      checkpoint,
      '--out',
      join(folder, 'first.onnx'),
      '--version',
      '1.0.0',
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('notice');
    expect(parseModelManifest(await readFile(join(folder, 'manifest.json'), 'utf8')).version).toBe('1.0.0');

    // The first model still loads with its own manifest (4 channels), by file and by folder.
    for (const model of [join(folder, 'first.onnx'), folder]) {
      const { outcome, records } = await classify(model);
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stderr).toContain('model blurgate-mnv3-small@1.0.0');
      expect(records).toHaveLength(2);
    }
  });
});
