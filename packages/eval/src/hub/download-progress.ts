/** Progress of one file download. `totalBytes` is null when the server does not say. */
export interface DownloadProgress {
  readonly file: string;
  readonly receivedBytes: number;
  readonly totalBytes: number | null;
}

export type DownloadProgressListener = (progress: DownloadProgress) => void;

function hasRangeHeader(init: RequestInit | undefined): boolean {
  const headers = init?.headers;
  if (!headers) return false;
  if (headers instanceof Headers) return headers.has('range');
  if (Array.isArray(headers)) return headers.some(([name]) => name.toLowerCase() === 'range');
  return Object.keys(headers).some((name) => name.toLowerCase() === 'range');
}

/**
 * A `fetch` for `@huggingface/hub` that reports the bytes of the file body as they arrive.
 * `downloadFile` has no progress callback, but it accepts a custom fetch; the body GET is the
 * `/resolve/` request without a `Range` header (the `bytes=0-0` probe only reads the size).
 */
export function fetchWithProgress(file: string, listener: DownloadProgressListener | undefined): typeof fetch {
  if (!listener) return fetch;
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method !== 'GET' || !url.includes('/resolve/') || hasRangeHeader(init) || !response.ok || !response.body) {
      return response;
    }
    const length = Number(response.headers.get('content-length'));
    const totalBytes = Number.isFinite(length) && length > 0 ? length : null;
    let receivedBytes = 0;
    listener({ file, receivedBytes, totalBytes });
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        receivedBytes += chunk.byteLength;
        listener({ file, receivedBytes, totalBytes });
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(counter), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
