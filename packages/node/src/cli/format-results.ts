import type { BlurLabel, ClassifyResult } from '@blurgate/core';

/**
 * Rounds to 4 decimals like the reference CLI's Python `round(x, 4)`: both round the exact binary
 * value correctly (`toFixed` does; `Math.round(x * 1e4)` can double-round). Exact binary ties such
 * as 0.03125, where Python picks the even digit, are the only difference.
 */
export function round4(value: number): number {
  return Number(value.toFixed(4));
}

/** The `--json` line of one result: the reference's fields plus status, error and per-scale probabilities. */
export function jsonRecord(result: ClassifyResult<string>, extra: Record<string, unknown> = {}): Record<string, unknown> {
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

const LABEL_WIDTH = 9;
const NUMBER_WIDTH = 10;

/** Header of the terminal table. */
export function tableHeader(): string {
  return `${'LABEL'.padEnd(LABEL_WIDTH)} ${'CONFIDENCE'.padStart(NUMBER_WIDTH)} ${'P_BLURRED'.padStart(NUMBER_WIDTH)}  FILE`;
}

/** One row of the terminal table (results stream, so columns have fixed widths). */
export function tableRow(result: ClassifyResult<string>): string {
  if (result.status === 'error') {
    return `${'error'.padEnd(LABEL_WIDTH)} ${'-'.padStart(NUMBER_WIDTH)} ${'-'.padStart(NUMBER_WIDTH)}  ${result.input}`;
  }
  return `${result.label.padEnd(LABEL_WIDTH)} ${result.confidence.toFixed(4).padStart(NUMBER_WIDTH)} ${result.probBlurred.toFixed(4).padStart(NUMBER_WIDTH)}  ${result.input}`;
}

/** One plain line for pipes: `file<TAB>label<TAB>confidence<TAB>p_blurred`. */
export function plainLine(result: ClassifyResult<string>): string {
  if (result.status === 'error') return `${result.input}\terror\t-\t-`;
  return `${result.input}\t${result.label}\t${result.confidence.toFixed(4)}\t${result.probBlurred.toFixed(4)}`;
}

/** Counts per label and errors, for the summary line. */
export class ResultTally {
  readonly counts: Record<BlurLabel | 'error', number> = { sharp: 0, blurred: 0, uncertain: 0, error: 0 };

  add(outcome: BlurLabel | 'error'): void {
    this.counts[outcome] += 1;
  }

  get total(): number {
    return this.counts.sharp + this.counts.blurred + this.counts.uncertain + this.counts.error;
  }

  summary(): string {
    const { sharp, blurred, uncertain, error } = this.counts;
    const n = this.total;
    return `${n} ${n === 1 ? 'input' : 'inputs'}: ${sharp} sharp, ${blurred} blurred, ${uncertain} uncertain, ${error} ${error === 1 ? 'error' : 'errors'}`;
  }
}
