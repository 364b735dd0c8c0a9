import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClassifyResult } from '@blurgate/core';
import { tryScoreBaselines } from './baselines.js';
import { chunked, mapLimit } from './concurrency.js';
import type { Dataset, DatasetItem } from './dataset-types.js';
import type { BaselineScores, PredictionRecord } from './prediction-record.js';
import { loadPredictions, openPredictionsWriter } from './predictions-file.js';

/** Anything that classifies image files in order: `@blurgate/node`'s gate, or a stub in tests. */
export interface FileClassifier {
  /** Results in the order of `paths`; per-image failures are `status: "error"` results. */
  classifyFiles(paths: readonly string[]): AsyncIterable<ClassifyResult<string>>;
}

/** What identifies a run, saved as `<out>/run.json`; a resume with a different model or scales is refused. */
export interface RunIdentity {
  readonly model: {
    readonly name: string;
    readonly version: string;
    readonly sha256: string | null;
    readonly inputChannels?: number;
  };
  readonly scales: readonly number[];
  readonly thresholds: { readonly confidence: number; readonly blur: number };
  readonly dataset: string;
  readonly includeBlurGamma: boolean;
}

export interface RunEvaluationOptions {
  readonly dataset: Dataset;
  readonly outDir: string;
  readonly classifier: FileClassifier;
  readonly identity: RunIdentity;
  /** Score the Laplacian-variance and sharp-sharpness baselines on the same images; default true. */
  readonly baselines?: boolean;
  /** Images per classifier call; default 32. */
  readonly batchSize?: number;
  /** Concurrent baseline decodes; default 2. */
  readonly concurrency?: number;
  /** Called after each batch with the number of images done so far (resumed ones included). */
  readonly onProgress?: (done: number) => void;
}

export interface RunEvaluationResult {
  readonly predictionsPath: string;
  /** Images classified in this call. */
  readonly classified: number;
  /** Images already in predictions.jsonl (skipped). */
  readonly resumed: number;
  readonly errors: number;
  readonly droppedPartialLine: boolean;
}

const RUN_FILE = 'run.json';
export const PREDICTIONS_FILE = 'predictions.jsonl';

function sameIdentity(a: RunIdentity, b: RunIdentity): string | null {
  if (a.model.sha256 !== b.model.sha256) return `model sha256 ${a.model.sha256} vs ${b.model.sha256}`;
  if (a.scales.join(',') !== b.scales.join(',')) return `scales ${a.scales.join(',')} vs ${b.scales.join(',')}`;
  if (a.dataset !== b.dataset) return `dataset ${a.dataset} vs ${b.dataset}`;
  if (a.includeBlurGamma !== b.includeBlurGamma) return 'blur_gamma inclusion';
  return null;
}

function recordFor(
  item: DatasetItem,
  result: ClassifyResult<string>,
  baselines: BaselineScores | undefined,
): PredictionRecord {
  if (result.status === 'error') {
    return {
      file: item.file,
      truth: item.truth,
      status: 'error',
      error: { code: result.error.code, message: result.error.message },
      ...(baselines ? { baselines } : {}),
    };
  }
  return {
    file: item.file,
    truth: item.truth,
    status: 'ok',
    prob_blurred: result.probBlurred,
    prob_sharp: result.probSharp,
    confidence: result.confidence,
    label: result.label,
    scales: result.scales.map((s) => ({ scale: s.scale, prob_sharp: s.probSharp, prob_blurred: s.probBlurred })),
    ...(baselines ? { baselines } : {}),
  };
}

/**
 * Classifies every image of `dataset` not yet in `<outDir>/predictions.jsonl` and appends one line per image.
 * Resumes after an interruption: images already present are skipped and a partial last line is dropped.
 */
export async function runEvaluation(options: RunEvaluationOptions): Promise<RunEvaluationResult> {
  const { dataset, outDir, classifier, identity } = options;
  await mkdir(outDir, { recursive: true });
  const predictionsPath = join(outDir, PREDICTIONS_FILE);
  const runPath = join(outDir, RUN_FILE);
  const loaded = await loadPredictions(predictionsPath);
  if (loaded.records.length > 0) {
    let previous: RunIdentity | null = null;
    try {
      previous = JSON.parse(await readFile(runPath, 'utf8')) as RunIdentity;
    } catch {
      previous = null;
    }
    const difference = previous ? sameIdentity(previous, identity) : null;
    if (difference) {
      throw new Error(
        `${predictionsPath} was written by a different run (${difference}); choose another --out or delete the file`,
      );
    }
  }
  await writeFile(runPath, `${JSON.stringify(identity, null, 2)}\n`);
  const done = new Set(loaded.records.map((r) => r.file));
  const writer = await openPredictionsWriter(predictionsPath, loaded.completeBytes);
  let classified = 0;
  let resumed = 0;
  let errors = 0;
  const withBaselines = options.baselines ?? true;
  const pending = async function* () {
    for await (const item of dataset.items()) {
      if (done.has(item.file)) resumed++;
      else yield item;
    }
  };
  try {
    for await (const batch of chunked(pending(), options.batchSize ?? 32)) {
      const paths = batch.map((item) => item.path);
      const [results, baselines] = await Promise.all([
        (async () => {
          const out: ClassifyResult<string>[] = [];
          for await (const result of classifier.classifyFiles(paths)) out.push(result);
          return out;
        })(),
        withBaselines ? mapLimit(paths, options.concurrency ?? 2, tryScoreBaselines) : Promise.resolve(undefined),
      ]);
      if (results.length !== batch.length)
        throw new Error(`the classifier returned ${results.length} results for ${batch.length} images`);
      for (let i = 0; i < batch.length; i++) {
        const record = recordFor(batch[i], results[i], baselines?.[i]);
        if (record.status === 'error') errors++;
        await writer.append(record);
      }
      classified += batch.length;
      options.onProgress?.(classified + resumed);
    }
  } finally {
    await writer.close();
  }
  return { predictionsPath, classified, resumed, errors, droppedPartialLine: loaded.partialLastLine };
}
