import type { BlurgateError, BlurgateErrorCode } from '@blurgate/core';

/**
 * Codes of the failures that only a service has (HTTP framing, auth, overload, shutdown). Library
 * failures keep core's {@link BlurgateErrorCode}; an error body's `code` is one of the two unions.
 */
export type ServerErrorCode =
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'UNAUTHORIZED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'BAD_REQUEST'
  | 'OVERLOADED'
  | 'TIMEOUT'
  | 'SHUTTING_DOWN'
  | 'NOT_READY'
  | 'INTERNAL_ERROR';

/** The `code` of an error body: a library code or a service code. */
export type ErrorBodyCode = BlurgateErrorCode | ServerErrorCode;

/** Every error the service answers: `{"error": {"code", "message"}}`, never a stack trace. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorBodyCode; readonly message: string };
}

/** A failure with its HTTP status, thrown by the service's own code and answered as an {@link ErrorBody}. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: ErrorBodyCode;
  /** Extra response headers, e.g. `Retry-After` with 503. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(statusCode: number, code: ErrorBodyCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.headers = headers;
  }
}

/** HTTP status of each library code: the caller's input → 4xx, the service's own trouble → 5xx. */
const STATUS_OF_LIBRARY_CODE: Readonly<Record<BlurgateErrorCode, number>> = {
  INVALID_IMAGE: 422,
  DECODE_FAILED: 422,
  IMAGE_TOO_LARGE: 422,
  INPUT_NOT_FOUND: 422,
  READ_FAILED: 422,
  UNSUPPORTED_FORMAT: 422,
  DECODE_TIMEOUT: 422,
  INVALID_OPTION: 400,
  ABORTED: 503,
  UNSUPPORTED_MODEL: 500,
  MODEL_NOT_FOUND: 500,
  INVALID_MANIFEST: 500,
  CHECKSUM_MISMATCH: 500,
  RUNTIME_FAILED: 500,
  DOWNLOAD_FAILED: 500,
  UNSAFE_CHECKPOINT: 500,
  CONVERSION_FAILED: 500,
  CHECKPOINT_LIMIT: 500,
  SORT_FAILED: 500,
  DISPOSED: 503,
  UNEXPECTED: 500,
};

/** A typed library error as the HTTP error the service answers. */
export function httpErrorOf(error: BlurgateError): HttpError {
  return new HttpError(STATUS_OF_LIBRARY_CODE[error.code] ?? 500, error.code, error.message);
}

/** The HTTP status for a per-image failure code carried in a result record. */
export function statusOfFailureCode(code: string): number {
  return STATUS_OF_LIBRARY_CODE[code as BlurgateErrorCode] ?? 500;
}

/** An error body. */
export function errorBody(code: ErrorBodyCode, message: string): ErrorBody {
  return { error: { code, message } };
}
