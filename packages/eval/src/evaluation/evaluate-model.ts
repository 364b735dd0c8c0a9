import { join } from 'node:path';
import type { ClassifyResult, RoutingThresholds } from '@blurgate/core';
import { BASELINE_NAMES, type BaselineName, tryScoreBaselines } from './baselines.js';
import { type BuildReportOptions, buildReport } from './build-report.js';
import { mapLimit } from './concurrency.js';
import { countDataset, type OpenDatasetOptions, openDataset } from './dataset.js';
import type { ClassCounts, Dataset } from './dataset-types.js';
import { loadPredictions } from './predictions-file.js';
import type { EvaluationReport, ReportContext } from './report-types.js';
import { type FileClassifier, PREDICTIONS_FILE, type RunEvaluationResult, runEvaluation } from './run-evaluation.js';
import { collectVersions } from './versions.js';
import { writeReportFiles } from './write-report.js';

/** The part of `@blurgate/node`'s gate this package uses. */
export interface BlurGateLike {
  readonly model: {
    readonly name: string;
    readonly version: string;
    readonly sha256: string | null;
    readonly inputChannels: number;
  };
  readonly scales: readonly number[];
  readonly thresholds: RoutingThresholds;
  classifyMany(inputs: readonly string[], options?: { concurrency?: number }): AsyncIterable<ClassifyResult<string>>;
  dispose(): Promise<void> | void;
}

export interface CreateGateOptions {
  readonly model: string;
  readonly scales?: readonly number[];
  readonly fast?: boolean;
  readonly confidenceThreshold?: number;
  readonly blurThreshold?: number;
}

/** Opens a gate with `@blurgate/node` (imported lazily so that metric code loads without onnxruntime). */
export async function createNodeGate(options: CreateGateOptions): Promise<BlurGateLike> {
  const { createBlurGate } = await import('@blurgate/node');
  return await createBlurGate(options);
}

/** Progress and counts for a CLI to print; library code never prints. */
export interface EvaluateEvents {
  readonly onCounts?: (counts: ClassCounts, dataset: Dataset) => void;
  readonly onProgress?: (done: number, total: number) => void;
  readonly onCalibrationCounts?: (counts: ClassCounts, dataset: Dataset) => void;
}

export interface EvaluateModelOptions extends EvaluateEvents {
  /** Model name, folder or .onnx path (resolved by `@blurgate/node`), or a gate already open. */
  readonly model: string | BlurGateLike;
  readonly data: string;
  readonly outDir: string;
  readonly scales?: readonly number[];
  readonly fast?: boolean;
  readonly confidenceThreshold?: number;
  readonly blurThreshold?: number;
  readonly concurrency?: number;
  readonly includeBlurGamma?: boolean;
  /** A separate labelled split on which the baselines' thresholds are fitted. */
  readonly calibration?: string;
  /** Skip the baselines (no second decode per image). */
  readonly noBaselines?: boolean;
  readonly report?: BuildReportOptions;
  readonly datasetOptions?: OpenDatasetOptions;
}

export interface EvaluateModelResult {
  readonly run: RunEvaluationResult;
  readonly report: EvaluationReport;
  readonly files: {
    readonly predictions: string;
    readonly json: string;
    readonly markdown: string;
    readonly html: string;
  };
  readonly counts: ClassCounts;
}

async function calibrationScores(
  path: string,
  options: EvaluateModelOptions,
): Promise<NonNullable<ReportContext['calibration']>> {
  const dataset = await openDataset(path, { includeBlurGamma: options.includeBlurGamma });
  options.onCalibrationCounts?.(await countDataset(dataset), dataset);
  const truth: number[] = [];
  const scores: Record<BaselineName, (number | null)[]> = { laplacian_variance: [], sharp_sharpness: [] };
  let batch: { path: string; truth: number }[] = [];
  const flush = async () => {
    const scored = await mapLimit(batch, options.concurrency ?? 2, (item) => tryScoreBaselines(item.path));
    scored.forEach((s, i) => {
      truth.push(batch[i].truth);
      for (const name of BASELINE_NAMES) scores[name].push(s[name]);
    });
    batch = [];
  };
  for await (const item of dataset.items()) {
    batch.push({ path: item.path, truth: item.truth === 'blurred' ? 1 : 0 });
    if (batch.length >= 32) await flush();
  }
  await flush();
  return { path: dataset.input, truth, scores };
}

/**
 * The whole `blurgate-eval run`: detect the dataset, count it, classify every image (resuming from
 * `<outDir>/predictions.jsonl`), score the baselines, and write report.json, report.md and report.html.
 *
 * @param options - the model (a spec resolved by `@blurgate/node`, or a gate already open, which is then
 *   not disposed), the dataset (`data`), the output folder, scales and thresholds (default: the model's),
 *   concurrency, an optional calibration split, report options, and progress callbacks.
 * @returns the run's counts (classified, resumed, errors), the report, the paths of the files written and
 *   the dataset's class counts.
 * @throws `Error` when the dataset holds no images or `predictions.jsonl` belongs to a different run (another
 *   model or scales: choose another `outDir`); `DatasetError` for a folder or manifest it cannot read;
 *   `ModelError` / `OptionError` from opening the gate. Per-image failures are not thrown: they are
 *   `status: "error"` records and counted in `run.errors`.
 * @example
 * ```ts
 * const { report, files } = await evaluateModel({
 *   model: 'blurgate-synth',
 *   data: 'DATA_DIR/GOPRO_Large/test',
 *   outDir: 'runs/gopro',
 *   onProgress: (done, total) => bar.update(done, { total }),
 * });
 * report.metrics.f1; // with report.intervals.f1 (bootstrap 95%)
 * files.html; // runs/gopro/report.html
 * ```
 */
export async function evaluateModel(options: EvaluateModelOptions): Promise<EvaluateModelResult> {
  const dataset = await openDataset(options.data, {
    includeBlurGamma: options.includeBlurGamma,
    ...options.datasetOptions,
  });
  const counts = await countDataset(dataset);
  options.onCounts?.(counts, dataset);
  if (counts.total === 0) throw new Error(`${dataset.input} (${dataset.description}) holds no images`);
  const ownsGate = typeof options.model === 'string';
  const gate =
    typeof options.model === 'string'
      ? await createNodeGate({
          model: options.model,
          scales: options.scales,
          fast: options.fast,
          confidenceThreshold: options.confidenceThreshold,
          blurThreshold: options.blurThreshold,
        })
      : options.model;
  // The gate resolves the defaults (the model manifest's, else the card's): record what it actually uses.
  const confidence = gate.thresholds.confidenceThreshold;
  const blur = gate.thresholds.blurThreshold;
  try {
    const classifier: FileClassifier = {
      classifyFiles: (paths) => gate.classifyMany(paths, { concurrency: options.concurrency }),
    };
    const run = await runEvaluation({
      dataset,
      outDir: options.outDir,
      classifier,
      identity: {
        model: {
          name: gate.model.name,
          version: gate.model.version,
          sha256: gate.model.sha256,
          inputChannels: gate.model.inputChannels,
        },
        scales: gate.scales,
        thresholds: { confidence, blur },
        dataset: dataset.input,
        includeBlurGamma: dataset.includeBlurGamma,
      },
      baselines: !options.noBaselines,
      concurrency: options.concurrency,
      onProgress: (done) => options.onProgress?.(done, counts.total),
    });
    const calibration =
      options.calibration && !options.noBaselines ? await calibrationScores(options.calibration, options) : undefined;
    const predictions = join(options.outDir, PREDICTIONS_FILE);
    const { records } = await loadPredictions(predictions);
    // Report on this dataset's images only: a manifest may have lost entries since an earlier, resumed run.
    const files = new Set<string>();
    for await (const item of dataset.items()) files.add(item.file);
    const report = buildReport(
      records.filter((r) => files.has(r.file)),
      {
        model: {
          name: gate.model.name,
          version: gate.model.version,
          sha256: gate.model.sha256,
          inputChannels: gate.model.inputChannels,
        },
        dataset: {
          path: dataset.input,
          root: dataset.root,
          layout: dataset.layout,
          description: dataset.description,
          includeBlurGamma: dataset.includeBlurGamma,
        },
        scales: gate.scales,
        thresholds: { confidence, blur },
        versions: await collectVersions(),
        date: new Date().toISOString(),
        ...(calibration ? { calibration } : {}),
      },
      options.report,
    );
    const written = await writeReportFiles(report, options.outDir);
    return { run, report, files: { predictions, ...written }, counts };
  } finally {
    if (ownsGate) await gate.dispose();
  }
}
