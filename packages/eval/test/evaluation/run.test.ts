import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BlurGateLike,
  createNodeGate,
  evaluateModel,
  type EvaluationReport,
  loadPredictions,
  type OkPredictionRecord,
} from '../../src/evaluation/index.js';
import { copyFixtureModel, makeFrames, writeGoproLarge } from './gopro-tree.js';

// Small scales keep the suite quick; the fixture model is a real (tiny, random-weight) MobileNetV3.
const SCALES = [64, 96];
let root: string;
let gopro: string;
let model: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'blurgate-eval-run-'));
  gopro = await writeGoproLarge(root, await makeFrames(2, 3));
  model = await copyFixtureModel('tiny-4ch.onnx', join(root, 'models', 'tiny-4ch.onnx'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Wraps a gate to count the images it is asked to classify. */
function counting(gate: BlurGateLike): BlurGateLike & { classified: string[] } {
  const classified: string[] = [];
  return {
    model: gate.model,
    scales: gate.scales,
    thresholds: gate.thresholds,
    classified,
    classifyMany(inputs, options) {
      classified.push(...inputs);
      return gate.classifyMany(inputs, options);
    },
    dispose: () => gate.dispose(),
  };
}

describe('blurgate-eval run (library path)', () => {
  let out: string;
  let report: EvaluationReport;

  it('classifies every image, writes predictions.jsonl and the three reports', async () => {
    out = join(root, 'out');
    const counts: unknown[] = [];
    const result = await evaluateModel({
      model,
      data: gopro,
      outDir: out,
      scales: SCALES,
      report: { bootstrap: { resamples: 200 } },
      onCounts: (c) => counts.push(c),
    });
    report = result.report;
    expect(counts).toEqual([{ sharp: 6, blurred: 6, total: 12 }]);
    expect(result.run).toMatchObject({ classified: 12, resumed: 0, errors: 0 });

    const { records } = await loadPredictions(join(out, 'predictions.jsonl'));
    expect(records).toHaveLength(12);
    const first = records[0] as OkPredictionRecord;
    expect(first.status).toBe('ok');
    expect(first.file).toMatch(/^test\/GOPR0384_11_00\/blur\/000001\.png$/);
    expect(first.truth).toBe('blurred');
    expect(first.prob_blurred + first.prob_sharp).toBeCloseTo(1, 5);
    expect(first.scales.map((s) => s.scale)).toEqual(SCALES);
    // TTA = mean of the per-scale probabilities.
    expect(first.prob_blurred).toBeCloseTo((first.scales[0].prob_blurred + first.scales[1].prob_blurred) / 2, 6);
    expect(['sharp', 'blurred', 'uncertain']).toContain(first.label);
    expect(first.baselines?.laplacian_variance).toBeGreaterThan(0);
    expect(first.baselines?.sharp_sharpness).toBeGreaterThan(0);

    const json = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    for (const key of ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'pr_auc']) {
      expect(typeof json.metrics[key]).toBe('number');
      expect(json.intervals[key].low).toBeLessThanOrEqual(json.intervals[key].high);
    }
    expect(json.model).toMatchObject({ name: 'tiny-4ch', inputChannels: 4 });
    expect(json.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(json.dataset).toMatchObject({
      path: gopro,
      layout: 'gopro-large',
      counts: { sharp: 6, blurred: 6, total: 12 },
      errors: 0,
    });
    expect(json.scales).toEqual(SCALES);
    expect(json.thresholds).toEqual({ confidence: 0.6, blur: 0.5 });
    expect(json.versions).toHaveProperty('onnxruntime-node');
    expect(json.versions).toHaveProperty('@blurgate/core');
    expect(json.ablation.map((r: { scales: string }) => r.scales)).toEqual(['64', '96', 'tta']);
    expect(json.sweeps.blurThreshold).toHaveLength(101);
    expect(json.baselines.map((b: { name: string; optimistic: boolean }) => [b.name, b.optimistic])).toEqual([
      ['laplacian_variance', true],
      ['sharp_sharpness', true],
    ]);
    const c = json.confusion;
    expect(c.tp + c.fn + c.fp + c.tn).toBe(12);
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| Accuracy |');
    expect(md).toContain('Variance of the Laplacian (optimistic');
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg/g)?.length).toBe(5);
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('resumes after an interruption: only the missing images are classified again', async () => {
    const path = join(out, 'predictions.jsonl');
    const text = await readFile(path, 'utf8');
    const lines = text.split('\n');
    // Keep 5 complete lines and half of the 6th: what a kill mid-write leaves.
    const kept = `${lines.slice(0, 5).join('\n')}\n${lines[5].slice(0, 40)}`;
    await writeFile(path, kept);
    const gate = counting(await createNodeGate({ model, scales: SCALES }));
    const result = await evaluateModel({
      model: gate,
      data: gopro,
      outDir: out,
      report: { bootstrap: { resamples: 100 } },
    });
    await gate.dispose();
    expect(result.run).toMatchObject({ resumed: 5, classified: 7, droppedPartialLine: true });
    expect(gate.classified).toHaveLength(7);
    const after = (await readFile(path, 'utf8')).trim().split('\n');
    expect(after).toHaveLength(12);
    expect(new Set(after.map((l) => JSON.parse(l).file)).size).toBe(12);
    expect(after.slice(0, 5)).toEqual(lines.slice(0, 5));
    // The rebuilt report matches the first one where it does not depend on the date.
    expect(result.report.metrics).toEqual(report.metrics);
  });

  it('reruns nothing when complete, and refuses another model into the same folder', async () => {
    const gate = counting(await createNodeGate({ model, scales: SCALES }));
    const result = await evaluateModel({
      model: gate,
      data: gopro,
      outDir: out,
      noBaselines: true,
      report: { bootstrap: { resamples: 50 } },
    });
    expect(result.run).toMatchObject({ resumed: 12, classified: 0 });
    expect(gate.classified).toHaveLength(0);
    await gate.dispose();
    await expect(evaluateModel({ model, data: gopro, outDir: out, scales: [64] })).rejects.toThrow(
      /different run \(scales 64,96 vs 64\)/,
    );
    await expect(evaluateModel({ model, data: join(gopro, 'test'), outDir: out, scales: SCALES })).rejects.toThrow(
      /different run \(dataset /,
    );
  });

  it('reports on the images the dataset lists now (a manifest that lost entries)', async () => {
    const manifest = join(root, 'labels.csv');
    const rows = [
      'path,label',
      'GOPRO_Large/test/GOPR0384_11_00/blur/000001.png,blurred',
      'GOPRO_Large/test/GOPR0384_11_00/sharp/000001.png,sharp',
    ];
    await writeFile(manifest, `${[...rows, 'GOPRO_Large/test/GOPR0384_11_00/blur/000002.png,blurred'].join('\n')}\n`);
    const manifestOut = join(root, 'out-manifest');
    // The same run twice: only the manifest changes in between.
    const evaluateManifest = () =>
      evaluateModel({
        model,
        data: manifest,
        outDir: manifestOut,
        scales: [64],
        noBaselines: true,
        report: { bootstrap: { resamples: 20 } },
      });
    const first = await evaluateManifest();
    expect(first.report.dataset.counts.total).toBe(3);
    await writeFile(manifest, `${rows.join('\n')}\n`);
    const second = await evaluateManifest();
    expect(second.run).toMatchObject({ resumed: 2, classified: 0 });
    expect(second.report.dataset.counts).toEqual({ sharp: 1, blurred: 1, total: 2 });
  });

  it('records unreadable images as errors and goes on', async () => {
    const generic = join(root, 'broken');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(generic, 'sharp'), { recursive: true });
    await mkdir(join(generic, 'blurred'), { recursive: true });
    await writeFile(
      join(generic, 'sharp', 'ok.png'),
      await readFile(join(gopro, 'test', 'GOPR0384_11_00', 'sharp', '000001.png')),
    );
    await writeFile(
      join(generic, 'blurred', 'ok.png'),
      await readFile(join(gopro, 'test', 'GOPR0384_11_00', 'blur', '000001.png')),
    );
    await writeFile(join(generic, 'blurred', 'broken.png'), 'not a png');
    const result = await evaluateModel({
      model,
      data: generic,
      outDir: join(root, 'out-broken'),
      scales: [64],
      report: { bootstrap: { resamples: 50 } },
    });
    expect(result.run.errors).toBe(1);
    expect(result.report.dataset).toMatchObject({ errors: 1, evaluated: { total: 2 } });
    const { records } = await loadPredictions(result.files.predictions);
    const broken = records.find((r) => r.file === 'blurred/broken.png');
    expect(broken).toMatchObject({ status: 'error', error: { code: 'DECODE_FAILED' } });
  });
});

describe('truncated predictions file edge cases', () => {
  it('keeps a complete last record without a newline and appends after it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'blurgate-eval-pred-'));
    const path = join(dir, 'predictions.jsonl');
    const record = { file: 'a.png', truth: 'sharp', status: 'error', error: { code: 'X', message: 'y' } };
    await writeFile(path, JSON.stringify(record));
    const loaded = await loadPredictions(path);
    expect(loaded).toMatchObject({ partialLastLine: false, completeBytes: JSON.stringify(record).length });
    const { openPredictionsWriter } = await import('../../src/evaluation/index.js');
    const writer = await openPredictionsWriter(path, loaded.completeBytes);
    await writer.append({ ...record, file: 'b.png' } as never);
    await writer.close();
    expect((await loadPredictions(path)).records.map((r) => r.file)).toEqual(['a.png', 'b.png']);
    await truncate(path, 10);
    expect((await loadPredictions(path)).partialLastLine).toBe(true);
    await writeFile(path, `garbage\n${JSON.stringify(record)}\n`);
    await expect(loadPredictions(path)).rejects.toThrow(/line 1 is not a prediction record/);
    await rm(dir, { recursive: true, force: true });
  });
});
