import { BlurgateError, ImageInputError } from '@blurgate/core';

export interface FetchImageOptions {
  /** Whole-download timeout in ms; default 30000. */
  readonly timeoutMs?: number;
  /** Refuse bodies larger than this; default 64 MiB. */
  readonly maxBytes?: number;
}

export const DEFAULT_URL_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_URL_BYTES = 64 * 1024 * 1024;

/** A failure worth retrying later (timeout, refused or reset connection, 408, 429, 5xx). */
export class TransientInputError extends BlurgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DOWNLOAD_FAILED', message, options);
    this.name = 'TransientInputError';
  }
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * Downloads an image over http(s) with a timeout and a byte cap.
 *
 * @param url - an http(s) URL.
 * @returns the body bytes.
 * @throws {TransientInputError} on timeouts, network errors, 408, 429 and 5xx (retry later);
 *   {ImageInputError} INPUT_NOT_FOUND for other 4xx and IMAGE_TOO_LARGE over the cap (final).
 */
export async function fetchImage(url: string, options: FetchImageOptions = {}): Promise<Uint8Array> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_URL_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_URL_BYTES;
  const signal = AbortSignal.timeout(timeoutMs);
  const tooLarge = (): ImageInputError =>
    new ImageInputError(
      'IMAGE_TOO_LARGE',
      `${url}: the download is over the limit of ${mebibytes(maxBytes)} (--max-url-bytes)`,
    );
  try {
    const response = await fetch(url, { signal, redirect: 'follow' });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const status = `${response.status} ${response.statusText}`.trim();
      if (response.status === 408 || response.status === 429 || response.status >= 500) {
        throw new TransientInputError(`${url}: the server answered ${status}`);
      }
      throw new ImageInputError('INPUT_NOT_FOUND', `${url}: the server answered ${status}`);
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body) {
      for await (const chunk of response.body) {
        size += chunk.byteLength;
        if (size > maxBytes) throw tooLarge();
        chunks.push(chunk);
      }
    }
    return Buffer.concat(chunks, size);
  } catch (error) {
    if (error instanceof BlurgateError) throw error;
    if (signal.aborted) {
      throw new TransientInputError(`${url}: no complete answer within ${timeoutMs} ms (--url-timeout)`, {
        cause: error,
      });
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
    throw new TransientInputError(`${url}: the download failed (${why})`, { cause: error });
  }
}
