import { abortedError, ModelError, throwIfAborted } from '@blurgate/core';

/** A model as the gate accepts it: a URL to fetch, or the ONNX bytes. */
export type ModelInput = string | URL | Uint8Array | ArrayBuffer;

/** Download progress of a model fetched from a URL. */
export interface ModelLoadProgress {
  readonly loadedBytes: number;
  /** From Content-Length; null when the server does not say (or compresses the body). */
  readonly totalBytes: number | null;
}

export interface LoadModelBytesOptions {
  readonly onProgress?: (progress: ModelLoadProgress) => void;
  readonly signal?: AbortSignal;
}

/** Returns the ONNX bytes of a model, fetching a URL with byte-counted progress. */
export async function loadModelBytes(model: ModelInput, options: LoadModelBytesOptions = {}): Promise<Uint8Array> {
  const { onProgress, signal } = options;
  throwIfAborted(signal, 'model loading');
  if (model instanceof Uint8Array) return model;
  if (model instanceof ArrayBuffer) return new Uint8Array(model);
  if (typeof model !== 'string' && !(model instanceof URL)) {
    throw new ModelError(
      'MODEL_NOT_FOUND',
      'model must be a URL (string or URL) or the ONNX bytes (Uint8Array or ArrayBuffer).',
    );
  }
  let response: Response;
  try {
    response = await fetch(model, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw abortedError(signal, 'model loading');
    throw new ModelError('MODEL_NOT_FOUND', `Could not fetch the model at ${String(model)}: ${errorText(error)}`, {
      cause: error,
    });
  }
  if (!response.ok) {
    throw new ModelError(
      'MODEL_NOT_FOUND',
      `Could not fetch the model at ${String(model)}: HTTP ${response.status} ${response.statusText}`.trim(),
    );
  }
  const length = Number(response.headers.get('content-length'));
  // With Content-Encoding the header counts compressed bytes while the stream yields decompressed ones.
  const totalBytes = Number.isFinite(length) && length > 0 && !response.headers.get('content-encoding') ? length : null;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress?.({ loadedBytes: bytes.length, totalBytes: bytes.length });
    return bytes;
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let loadedBytes = 0;
  onProgress?.({ loadedBytes, totalBytes });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loadedBytes += value.length;
      onProgress?.({ loadedBytes, totalBytes });
    }
  } catch (error) {
    if (signal?.aborted) throw abortedError(signal, 'model loading');
    throw new ModelError('MODEL_NOT_FOUND', `The download of ${String(model)} broke off: ${errorText(error)}`, {
      cause: error,
    });
  }
  const bytes = new Uint8Array(loadedBytes);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
