import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import yargs from 'yargs';
import { calibrateCommand } from '../../src/commands/calibrate.js';
import { goproCommand, parseHubCheckpoint } from '../../src/commands/gopro.js';
import { runCommand } from '../../src/commands/run.js';
import { loadPredictions, type OkPredictionRecord } from '../../src/evaluation/index.js';
import { startFakeHub } from '../../test-support/fake-hub.js';
import { copyFixtureModel, makeFrames, writeGoproLarge } from './gopro-tree.js';

let root: string;
let gopro: string;
let model: string;

/** Runs the eval CLI's commands in-process, capturing stdout and stderr. */
async function cli(args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const previousExit = process.exitCode;
  process.exitCode = undefined;
  try {
    await yargs(args)
      .command(runCommand)
      .command(goproCommand)
      .command(calibrateCommand)
      .strict()
      .fail((msg, e) => {
        throw e ?? new Error(msg);
      })
      .parseAsync();
    return { stdout, stderr, exitCode: process.exitCode as number | undefined };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = previousExit;
  }
}

/** `blurgate-eval run` of the fixture model over `data` into `out`, with further `options`. */
function runEval(data: string, out: string, ...options: string[]): ReturnType<typeof cli> {
  return cli(['run', '--model', model, '--data', data, '--out', out, ...options]);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'blurgate-eval-cli-'));
  gopro = await writeGoproLarge(root, await makeFrames(2, 2));
  model = await copyFixtureModel('tiny-3ch.onnx', join(root, 'models', 'tiny-3ch.onnx'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('blurgate-eval run / calibrate', () => {
  it('run prints the class counts first, then a summary, and writes the reports', async () => {
    const out = join(root, 'run');
    const { stdout, stderr, exitCode } = await runEval(gopro, out, '--scales', '64,96', '--resamples', '100');
    expect(stderr).toContain('dataset: GoPro Large as distributed, test split, 2 scenes (blur_gamma excluded)');
    expect(stderr).toContain(': 8 images (4 blurred, 4 sharp)');
    expect(stdout).toMatch(/F1\s+\d\.\d{4}\s+\[\d\.\d{4}, \d\.\d{4}\]/);
    expect(stdout).toContain('threshold was swept on this data (optimistic)');
    expect(exitCode).toBeUndefined();
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.scales).toEqual([64, 96]);
    expect(report.bootstrap.resamples).toBe(100);
  });

  it('a wrong folder is one line on stderr and exit code 2', async () => {
    const { stdout, stderr, exitCode } = await runEval(root, join(root, 'never'));
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^blurgate-eval run: no dataset layout recognised in .*Accepted layouts: .*Found: /);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('fits the baselines on --calibration when given', async () => {
    const calibration = await writeGoproLarge(join(root, 'cal'), await makeFrames(1, 2));
    const out = join(root, 'run-cal');
    const { stderr } = await runEval(gopro, out, '--fast', '--calibration', calibration, '--resamples', '50');
    expect(stderr).toContain('calibration: GoPro Large as distributed');
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(report.scales).toEqual([384]);
    expect(report.baselines.map((b: { fittedOn: string; optimistic: boolean }) => [b.fittedOn, b.optimistic])).toEqual([
      ['calibration', false],
      ['calibration', false],
    ]);
    expect(typeof report.baselines[0].threshold).toBe('number');
  });

  it('calibrate writes the thresholds file blurgate classify --thresholds reads', async () => {
    const predictions = join(root, 'run', 'predictions.jsonl');
    const { records } = await loadPredictions(predictions);
    const { stdout } = await cli([
      'calibrate',
      '--predictions',
      predictions,
      '--target-recall',
      '0.75',
      '--min-coverage',
      '0.5',
    ]);
    expect(stdout).toContain('blurgate classify --thresholds');
    const file = JSON.parse(await readFile(join(root, 'run', 'thresholds.json'), 'utf8'));
    expect(Object.keys(file).slice(0, 2)).toEqual(['confidenceThreshold', 'blurThreshold']);
    expect(file.confidenceThreshold).toBeGreaterThanOrEqual(0.5);
    expect(file.provenance).toMatchObject({
      tool: 'blurgate-eval calibrate',
      images: 8,
      targets: { recall: 0.75, minCoverage: 0.5 },
    });
    expect(file.provenance.achieved.coverage).toBeGreaterThanOrEqual(0.5);
    // The achieved recall is what routing with these thresholds gives on the decided images.
    const ok = records.filter((r): r is OkPredictionRecord => r.status === 'ok');
    const decided = ok.filter((r) => Math.max(r.prob_sharp, r.prob_blurred) >= file.confidenceThreshold);
    const blurred = decided.filter((r) => r.truth === 'blurred');
    const found = blurred.filter((r) => r.prob_blurred >= file.blurThreshold).length;
    expect(file.provenance.achieved.recall).toBeCloseTo(blurred.length ? found / blurred.length : 0, 12);
    expect(file.provenance.achieved.recall).toBeGreaterThanOrEqual(0.75);
  });

  it("the thresholds file is what @blurgate/node's `blurgate classify --thresholds` reads", async () => {
    // A file in calibrate's format whose blur threshold flips the default label of one image.
    const { records } = await loadPredictions(join(root, 'run', 'predictions.jsonl'));
    const record = records.find((r): r is OkPredictionRecord => r.status === 'ok')!;
    const blurThreshold = record.prob_blurred < 0.5 ? record.prob_blurred / 2 : (record.prob_blurred + 1) / 2;
    const expected = record.prob_blurred < 0.5 ? 'blurred' : 'sharp';
    const generated = JSON.parse(await readFile(join(root, 'run', 'thresholds.json'), 'utf8'));
    const thresholdsFile = join(root, 'run', 'flip-thresholds.json');
    await writeFile(thresholdsFile, JSON.stringify({ ...generated, confidenceThreshold: 0.5, blurThreshold }));
    const nodeCli = fileURLToPath(new URL('../../../node/dist/cli.js', import.meta.url));
    const image = join(gopro, ...record.file.split('/'));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [nodeCli, 'classify', '--model', model, '--scales', '64,96', '--thresholds', thresholdsFile, '--json', image],
      { timeout: 60_000 },
    );
    const line = JSON.parse(stdout.trim().split('\n')[0]);
    expect(line.prob_blurred).toBeCloseTo(record.prob_blurred, 3);
    expect(line.label).toBe(expected);
  });

  it('calibrate refuses conflicting or missing targets', async () => {
    const predictions = join(root, 'run', 'predictions.jsonl');
    await expect(cli(['calibrate', '--predictions', predictions])).rejects.toThrow(
      /--target-precision, --target-recall, --best-f1 or --min-coverage/,
    );
    await expect(
      cli(['calibrate', '--predictions', predictions, '--target-precision', '0.9', '--target-recall', '0.9']),
    ).rejects.toThrow(/mutually exclusive|conflict/i);
    await expect(
      cli(['calibrate', '--predictions', predictions, '--best-f1', '--target-recall', '0.9']),
    ).rejects.toThrow(/mutually exclusive|conflict/i);
  });
});

describe('blurgate-eval gopro', () => {
  it('parses hf: checkpoint specs', () => {
    expect(parseHubCheckpoint('hf:bradduy/MagikaDocumentFromPixel')).toEqual({
      repo: 'bradduy/MagikaDocumentFromPixel',
      file: 'best.pt',
      revision: null,
    });
    expect(parseHubCheckpoint('hf:org/name/ckpt/last.pt@v1')).toEqual({
      repo: 'org/name',
      file: 'ckpt/last.pt',
      revision: 'v1',
    });
    expect(parseHubCheckpoint('best.pt')).toBeNull();
  });

  it('pulls the checkpoint from the (fake) Hub, converts it, evaluates and prints the card beside ours', async () => {
    const checkpoint = await readFile(new URL('../fixtures/checkpoints/small.pt', import.meta.url));
    const hub = await startFakeHub({
      repos: { 'bradduy/MagikaDocumentFromPixel': [{ path: 'best.pt', content: checkpoint, lfs: true }] },
    });
    try {
      const out = join(root, 'gopro');
      const { stdout, stderr } = await cli([
        'gopro',
        '--checkpoint',
        'hf:bradduy/MagikaDocumentFromPixel',
        '--hub-url',
        hub.url,
        '--cache-dir',
        join(root, 'hf-cache'),
        '--data',
        gopro,
        '--out',
        out,
        '--scales',
        '64',
        '--resamples',
        '50',
        '--no-baselines',
      ]);
      expect(stderr).toContain('pulling best.pt from bradduy/MagikaDocumentFromPixel');
      expect(stderr).toMatch(/converted .*best\.pt \(mobilenet_v3_small, 4-channel input\)/);
      expect(stdout).toMatch(/f1\s+0\.9803\s+\d\.\d{4}\s+[+-]?\d\.\d{4}/);
      expect(stdout).toMatch(/tp\s+1070\s+\d+\s+[+-]?\d+/);
      expect(stdout).toContain("the card's test set has 2222 images; this run evaluated 8");
      const comparison = JSON.parse(await readFile(join(out, 'gopro-comparison.json'), 'utf8'));
      expect(comparison.rows.find((r: { name: string }) => r.name === 'roc_auc').card).toBe(0.9989);
      const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
      expect(report.model).toMatchObject({ name: 'MagikaDocumentFromPixel-best', inputChannels: 4 });
      expect(report.dataset.evaluated.total).toBe(8);
      expect(hub.count('GET', 'best.pt')).toBeGreaterThan(0);
    } finally {
      await hub.close();
    }
  });

  it('evaluates a local .onnx as is', async () => {
    const out = join(root, 'gopro-onnx');
    const { stdout } = await cli([
      'gopro',
      '--checkpoint',
      model,
      '--data',
      join(gopro, 'test'),
      '--out',
      out,
      '--scales',
      '64',
      '--resamples',
      '20',
      '--no-baselines',
    ]);
    expect(stdout).toContain("GoPro Large test: the card's numbers beside ours");
  });
});
