/**
 * Every {@link BlurgateErrorCode}, the one list of them (the type is derived from it), for code that must check a
 * code received as text (e.g. from a worker).
 */
export const BLURGATE_ERROR_CODES = Object.freeze([
  'INVALID_IMAGE',
  'DECODE_FAILED',
  'IMAGE_TOO_LARGE',
  'INPUT_NOT_FOUND',
  /** The input exists but cannot be read (permissions, not a regular file, an I/O error). */
  'READ_FAILED',
  /** A recognised format blurgate does not decode (SVG unless enabled, PDF, PostScript, HTML). */
  'UNSUPPORTED_FORMAT',
  /** Decoding one image ran out of its time budget. */
  'DECODE_TIMEOUT',
  'INVALID_OPTION',
  'UNSUPPORTED_MODEL',
  'MODEL_NOT_FOUND',
  'INVALID_MANIFEST',
  'CHECKSUM_MISMATCH',
  'RUNTIME_FAILED',
  'ABORTED',
  'DOWNLOAD_FAILED',
  'UNSAFE_CHECKPOINT',
  'CONVERSION_FAILED',
  /** `--sort-into` could not copy or move a classified file. */
  'SORT_FAILED',
  /** The gate was disposed; create a new one. */
  'DISPOSED',
  /** An error blurgate did not anticipate (a bug, or a failure of the platform); the message says what. */
  'UNEXPECTED',
  /** A checkpoint exceeds a reading limit (inflated size, tensor memory, pickle size or depth). */
  'CHECKPOINT_LIMIT',
] as const);

/** Machine-readable reason carried by every error blurgate throws or reports (one of {@link BLURGATE_ERROR_CODES}). */
export type BlurgateErrorCode = (typeof BLURGATE_ERROR_CODES)[number];

/**
 * Base class of blurgate's typed errors. `code` is stable and safe to branch on; `message`
 * tells a person what to do.
 */
export class BlurgateError extends Error {
  readonly code: BlurgateErrorCode;

  constructor(code: BlurgateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlurgateError';
    this.code = code;
  }
}

/** The input is not a usable image (bad dimensions, undecodable, too large). */
export class ImageInputError extends BlurgateError {
  constructor(
    code:
      | 'INVALID_IMAGE'
      | 'DECODE_FAILED'
      | 'IMAGE_TOO_LARGE'
      | 'INPUT_NOT_FOUND'
      | 'READ_FAILED'
      | 'UNSUPPORTED_FORMAT'
      | 'DECODE_TIMEOUT',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'ImageInputError';
  }
}

/** The model, its manifest or its file cannot be used. */
export class ModelError extends BlurgateError {
  constructor(
    code: 'UNSUPPORTED_MODEL' | 'MODEL_NOT_FOUND' | 'INVALID_MANIFEST' | 'CHECKSUM_MISMATCH' | 'RUNTIME_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'ModelError';
  }
}

/** An option passed by the caller is out of range or malformed. */
export class OptionError extends BlurgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_OPTION', message, options);
    this.name = 'OptionError';
  }
}
