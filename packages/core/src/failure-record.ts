import {
  BLURGATE_ERROR_CODES,
  BlurgateError,
  type BlurgateErrorCode,
  ImageInputError,
  ModelError,
  OptionError,
} from './errors.js';
import type { ClassifyFailure } from './prediction.js';

/**
 * The `{code, message}` record of any thrown value: a {@link BlurgateError} keeps its code, anything
 * else becomes `UNEXPECTED` with its message. The one place a failure becomes a record (batches,
 * workers, services).
 */
export function failureOf(error: unknown): ClassifyFailure {
  if (error instanceof BlurgateError) return { code: error.code, message: error.message };
  return { code: 'UNEXPECTED', message: error instanceof Error ? error.message : String(error) };
}

const IMAGE_CODES = ['INVALID_IMAGE', 'DECODE_FAILED', 'IMAGE_TOO_LARGE', 'INPUT_NOT_FOUND'] as const;
const MODEL_CODES = [
  'UNSUPPORTED_MODEL',
  'MODEL_NOT_FOUND',
  'INVALID_MANIFEST',
  'CHECKSUM_MISMATCH',
  'RUNTIME_FAILED',
] as const;

function isOneOf<T extends string>(code: string, codes: readonly T[]): code is T {
  return (codes as readonly string[]).includes(code);
}

/**
 * The typed error of a record made by {@link failureOf} (e.g. one that crossed `postMessage`):
 * the same class and code as the original. A code outside {@link BlurgateErrorCode} becomes
 * `UNEXPECTED`, keeping the message.
 */
export function errorFromFailure(failure: { readonly code: string; readonly message: string }): BlurgateError {
  const { code, message } = failure;
  if (isOneOf(code, IMAGE_CODES)) return new ImageInputError(code, message);
  if (isOneOf(code, MODEL_CODES)) return new ModelError(code, message);
  if (code === 'INVALID_OPTION') return new OptionError(message);
  if (isOneOf<BlurgateErrorCode>(code, BLURGATE_ERROR_CODES)) return new BlurgateError(code, message);
  return new BlurgateError('UNEXPECTED', `${message} (code ${code})`);
}
