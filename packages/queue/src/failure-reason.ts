import { BLURGATE_ERROR_CODES, type BlurgateErrorCode, type ClassifyFailure } from '@blurgate/core';

/**
 * BullMQ keeps only an error's message for a failed job (`failedReason`); blurgate puts the error
 * code at its end, the way the CLI prints errors: `path: the PNG data is corrupt [DECODE_FAILED]`.
 */
export function failureReason(code: BlurgateErrorCode, message: string): string {
  return `${message} [${code}]`;
}

/** Code of a job that failed with no code of ours: its worker died too often (BullMQ's stalled limit). */
export const UNCODED_FAILURE: BlurgateErrorCode = 'RUNTIME_FAILED';

function isErrorCode(code: string): code is BlurgateErrorCode {
  return (BLURGATE_ERROR_CODES as readonly string[]).includes(code);
}

/** Reads back `{code, message}` from a failed job's `failedReason`. */
export function parseFailureReason(reason: string | undefined): ClassifyFailure {
  const text = reason ?? 'the job failed without a reason';
  const match = /^(.*) \[([A-Z][A-Z0-9_]*)\]$/s.exec(text);
  if (match && isErrorCode(match[2])) return { code: match[2], message: match[1] };
  return {
    code: UNCODED_FAILURE,
    message: `${text} (the worker processing this input stopped or failed unexpectedly)`,
  };
}
