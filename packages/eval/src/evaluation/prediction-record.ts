import type { BlurLabel, ScaleRecord } from '@blurgate/core';
import type { Truth } from './dataset-types.js';

// predictions.jsonl is not the CLI's --json record (core's `classificationRecord`): it keeps full precision
// (a report rebuilt from the file is exact; the CLI rounds to 4 decimals like the reference), carries the
// truth and the baselines, and its error lines have no null prediction fields. It shares the field names
// and the per-scale shape, which is core's type.

/** Probabilities at one TTA scale, as written to predictions.jsonl (unrounded): core's {@link ScaleRecord}. */
export type ScaleProbabilityRecord = ScaleRecord;

/**
 * Baseline scores of the same image (both: higher = sharper). Null when the baseline could not be computed.
 * `laplacian_variance`: core's `laplacianVariance` (OpenCV `Laplacian(gray).var()`);
 * `sharp_sharpness`: sharp's `stats().sharpness`.
 */
export interface BaselineScores {
  readonly laplacian_variance: number | null;
  readonly sharp_sharpness: number | null;
}

interface RecordBase {
  /** Path relative to the dataset root (`/`-separated): the identity used to resume. */
  readonly file: string;
  readonly truth: Truth;
  readonly baselines?: BaselineScores;
}

/** One classified image. Probabilities are full precision so a report rebuilt from the file is exact. */
export interface OkPredictionRecord extends RecordBase {
  readonly status: 'ok';
  /** TTA-averaged. */
  readonly prob_blurred: number;
  readonly prob_sharp: number;
  readonly confidence: number;
  /** Routed label at the run's thresholds. */
  readonly label: BlurLabel;
  readonly scales: readonly ScaleProbabilityRecord[];
}

/** An image the model could not classify (undecodable, too large, ...): the run goes on. */
export interface ErrorPredictionRecord extends RecordBase {
  readonly status: 'error';
  readonly error: { readonly code: string; readonly message: string };
}

/** One line of predictions.jsonl. */
export type PredictionRecord = OkPredictionRecord | ErrorPredictionRecord;

/** Narrowing check for lines read back from disk. */
export function isPredictionRecord(value: unknown): value is PredictionRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  if (typeof r.file !== 'string' || (r.truth !== 'sharp' && r.truth !== 'blurred')) return false;
  if (r.status === 'ok')
    return typeof r.prob_blurred === 'number' && typeof r.prob_sharp === 'number' && Array.isArray(r.scales);
  return r.status === 'error' && typeof r.error === 'object' && r.error !== null;
}
