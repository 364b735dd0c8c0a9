import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
};

export interface StaticServerOptions {
  /** Folder served at `/`. */
  readonly root: string;
  /** Sends COOP/COEP so pages are cross-origin isolated (SharedArrayBuffer, WASM threads). */
  readonly crossOriginIsolated?: boolean;
  /** URL prefixes (ending in `/`) served from other folders, e.g. `{ '/ort/': '<onnxruntime-web>/dist' }`. */
  readonly aliases?: Readonly<Record<string, string>>;
}

export interface StaticServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves files from `root` on 127.0.0.1 (a random port), for tests and the bench only. */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const root = await realpath(options.root);
  const server = createServer((request, response) => {
    void answer(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const headers: Record<string, string> = {
      'Cache-Control': 'no-store',
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
    if (options.crossOriginIsolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    const alias = Object.keys(options.aliases ?? {}).find((prefix) => pathname.startsWith(prefix));
    const base = alias ? path.resolve(options.aliases![alias]!) : root;
    const file = path.join(base, path.normalize(alias ? pathname.slice(alias.length - 1) : pathname));
    if (!file.startsWith(base + path.sep)) {
      response.writeHead(403, headers).end();
      return;
    }
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      response.writeHead(404, headers).end();
      return;
    }
    const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
    response.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': String(info.size) });
    createReadStream(file).pipe(response);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
