import type { ClassifyResult } from './prediction.js';

/**
 * Rounds to 4 decimals like the reference CLI's Python `round(x, 4)`: both round the exact binary
 * value correctly (`toFixed` does; `Math.round(x * 1e4)` can double-round). Exact binary ties such
 * as 0.03125, where Python picks the even digit, are the only difference.
 */
export function round4(value: number): number {
  return Number(value.toFixed(4));
}

/** Probabilities at one TTA scale in a {@link ClassificationRecord}. */
export interface ScaleRecord {
  readonly scale: number;
  readonly prob_sharp: number;
  readonly prob_blurred: number;
}

/**
 * The JSON record of one classified input, as the CLI's `--json` prints it (and the server, the
 * queue and eval reuse it): the reference CLI's fields first, then status, error and per-scale
 * probabilities, all rounded to 4 decimals.
 */
export interface ClassificationRecord {
  readonly file: string;
  readonly label: ClassifyResultLabel | null;
  readonly confidence: number | null;
  readonly prob_sharp: number | null;
  readonly prob_blurred: number | null;
  readonly status: 'ok' | 'error';
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly scales?: readonly ScaleRecord[];
  readonly [extra: string]: unknown;
}

type ClassifyResultLabel = 'sharp' | 'blurred' | 'uncertain';

/**
 * Turns one batch result into its JSON record.
 *
 * @param result - a result of `classifyMany` (or a prediction wrapped as `{status: 'ok', input, ...}`).
 * @param extra - fields appended after the standard ones (e.g. `sorted_to`).
 * @returns the record, ready for `JSON.stringify`.
 * @example
 * ```ts
 * const lines = [];
 * for await (const r of gate.classifyMany(files)) lines.push(JSON.stringify(classificationRecord(r)));
 * ```
 */
export function classificationRecord(
  result: ClassifyResult<string>,
  extra: Record<string, unknown> = {},
): ClassificationRecord {
  if (result.status === 'error') {
    return {
      file: result.input,
      label: null,
      confidence: null,
      prob_sharp: null,
      prob_blurred: null,
      status: 'error',
      error: { code: result.error.code, message: result.error.message },
      ...extra,
    };
  }
  return {
    file: result.input,
    label: result.label,
    confidence: round4(result.confidence),
    prob_sharp: round4(result.probSharp),
    prob_blurred: round4(result.probBlurred),
    status: 'ok',
    error: null,
    scales: result.scales.map((s) => ({
      scale: s.scale,
      prob_sharp: round4(s.probSharp),
      prob_blurred: round4(s.probBlurred),
    })),
    ...extra,
  };
}
