import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..', '..');
export const NODE_FIXTURES = join(REPO, 'packages', 'node', 'test', 'fixtures');
/** A tiny random-weight 4-channel model: fast, fine for behaviour (not for labels that mean anything). */
export const TINY_4CH = join(NODE_FIXTURES, 'models', 'tiny-4ch.onnx');
export const IMAGES = join(NODE_FIXTURES, 'images');
export const SAMPLES = join(REPO, 'samples');
export const DEFAULT_MODEL_DIR = join(REPO, 'models', 'blurgate-synth', '1.0.0');
/** The built `blurgate` CLI of @blurgate/node (turbo builds it before the tests). */
export const NODE_CLI = join(REPO, 'packages', 'node', 'dist', 'cli.js');

export { pngHeaderOnly } from '../../node/test/helpers.js';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json<T = unknown>(): T;
}

/**
 * One HTTP request with node:http. A response that arrives while the body is still being written
 * (413 on a large body) is returned; the write error that follows it is ignored.
 */
export function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Uint8Array | string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolvePromise({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: <T>() => JSON.parse(text) as T,
        });
      });
    });
    let answered = false;
    req.on('response', () => {
      answered = true;
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

export interface ErrorJson {
  error: { code: string; message: string };
}

export interface RecordJson {
  file: string;
  label: string | null;
  confidence: number | null;
  prob_sharp: number | null;
  prob_blurred: number | null;
  status: 'ok' | 'error';
  error: { code: string; message: string } | null;
  scales?: { scale: number; prob_sharp: number; prob_blurred: number }[];
  model: { name: string; version: string; sha256: string };
}

/** A multipart/form-data body with one file part per entry, as a browser form sends it. */
export async function multipartBody(
  files: { name: string; type: string; bytes: Uint8Array }[],
): Promise<{ body: Buffer; type: string }> {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([f.bytes], { type: f.type }), f.name);
  const encoded = new Response(form);
  return { body: Buffer.from(await encoded.arrayBuffer()), type: encoded.headers.get('content-type') ?? '' };
}
