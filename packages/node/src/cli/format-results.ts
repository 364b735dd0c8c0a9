import type { BlurLabel, ClassifyResult } from '@blurgate/core';

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
