/**
 * A minimal npm registry on 127.0.0.1 for release tests and rehearsals: enough of the registry protocol for
 * `npm adduser`/token login, `pnpm publish` and `npm install` of the published packages, with no uplinks
 * (anything not published here is a 404, so a scoped registry setting sends only `@blurgate/*` here).
 *
 * Why not verdaccio: every verdaccio release that installs on Node 20 depends on `node-fetch@cjs`, a dist-tag
 * the registry reachable from this machine does not serve, so verdaccio cannot be installed here without a
 * pnpm override. This substitute keeps what a registry must check: auth on publish, no re-publish of a
 * version, integrity fields computed from the stored tarball.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredVersion {
  readonly manifest: Record<string, unknown>;
  readonly tarballName: string;
  readonly tarball: Buffer;
}

interface StoredPackage {
  readonly versions: Map<string, StoredVersion>;
  readonly distTags: Map<string, string>;
  readonly time: Map<string, string>;
}

export interface LocalRegistry {
  /** e.g. `http://127.0.0.1:41234/` (trailing slash, as npm writes registry URLs). */
  readonly url: string;
  readonly port: number;
  /** A token accepted for publishing (also obtainable with `npm adduser`/`npm login`). */
  readonly token: string;
  /** Published `name@version`s, in order. */
  readonly published: readonly string[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 512 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the registry on 127.0.0.1 (port 0 = a free port). */
export async function startLocalRegistry(options: { port?: number } = {}): Promise<LocalRegistry> {
  const packages = new Map<string, StoredPackage>();
  const tokens = new Map<string, string>();
  const published: string[] = [];
  const token = randomBytes(16).toString('hex');
  tokens.set(token, 'release-test');
  let baseUrl = '';

  function user(req: IncomingMessage): string | null {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match ? (tokens.get(match[1]!.trim()) ?? null) : null;
  }

  function packument(name: string, pkg: StoredPackage): unknown {
    const versions: Record<string, unknown> = {};
    for (const [version, stored] of pkg.versions) {
      versions[version] = {
        ...stored.manifest,
        dist: {
          tarball: `${baseUrl}${name}/-/${stored.tarballName}`,
          shasum: createHash('sha1').update(stored.tarball).digest('hex'),
          integrity: `sha512-${createHash('sha512').update(stored.tarball).digest('base64')}`,
        },
      };
    }
    return {
      _id: name,
      name,
      'dist-tags': Object.fromEntries(pkg.distTags),
      versions,
      time: Object.fromEntries(pkg.time),
    };
  }

  async function publish(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    if (!user(req)) return sendJson(res, 401, { error: 'authentication required to publish' });
    const body = JSON.parse((await readBody(req)).toString('utf8')) as {
      versions?: Record<string, Record<string, unknown>>;
      'dist-tags'?: Record<string, string>;
      _attachments?: Record<string, { data: string }>;
    };
    const versions = Object.entries(body.versions ?? {});
    const attachments = Object.entries(body._attachments ?? {});
    if (versions.length !== 1 || attachments.length !== 1) {
      return sendJson(res, 400, { error: 'a publish carries exactly one version and one tarball' });
    }
    const [version, manifest] = versions[0]!;
    const [tarballName, attachment] = attachments[0]!;
    let pkg = packages.get(name);
    if (pkg?.versions.has(version)) {
      return sendJson(res, 409, { error: `cannot publish over the previously published version ${version}` });
    }
    if (!pkg) {
      pkg = { versions: new Map(), distTags: new Map(), time: new Map() };
      packages.set(name, pkg);
    }
    const { _id, _rev, ...clean } = manifest;
    void _id;
    void _rev;
    pkg.versions.set(version, {
      manifest: clean,
      tarballName: tarballName.split('/').pop()!,
      tarball: Buffer.from(attachment.data, 'base64'),
    });
    for (const [tag, v] of Object.entries(body['dist-tags'] ?? { latest: version })) pkg.distTags.set(tag, v);
    pkg.time.set(version, new Date().toISOString());
    published.push(`${name}@${version}`);
    sendJson(res, 201, { ok: true, id: name });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(url.pathname);
    if (path === '/-/ping') return sendJson(res, 200, {});
    if (path === '/-/whoami') {
      const name = user(req);
      return name ? sendJson(res, 200, { username: name }) : sendJson(res, 401, { error: 'not logged in' });
    }
    // `npm adduser` / `npm login` (legacy couchdb flow): any name and password get a fresh token.
    const login = /^\/-\/user\/org\.couchdb\.user:(.+)$/.exec(path);
    if (login && method === 'PUT') {
      await readBody(req);
      const issued = randomBytes(16).toString('hex');
      tokens.set(issued, login[1]!);
      return sendJson(res, 201, { ok: true, id: `org.couchdb.user:${login[1]}`, token: issued });
    }
    if (path.startsWith('/-/')) return sendJson(res, 404, { error: 'not implemented by the local registry' });
    // `/<name>/-/<file>.tgz` where name may be `@scope/pkg`
    const tarball = /^\/((?:@[^/]+\/)?[^/@][^/]*)\/-\/([^/]+\.tgz)$/.exec(path);
    if (tarball && method === 'GET') {
      const pkg = packages.get(tarball[1]!);
      const stored = pkg && [...pkg.versions.values()].find((v) => v.tarballName === tarball[2]);
      if (!stored) return sendJson(res, 404, { error: 'no such tarball' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stored.tarball.length });
      res.end(stored.tarball);
      return;
    }
    const name = /^\/((?:@[^/]+\/)?[^/@][^/]*)$/.exec(path)?.[1];
    if (!name) return sendJson(res, 404, { error: `no route for ${method} ${path}` });
    if (method === 'PUT') return publish(req, res, name);
    if (method === 'GET' || method === 'HEAD') {
      const pkg = packages.get(name);
      return pkg ? sendJson(res, 200, packument(name, pkg)) : sendJson(res, 404, { error: 'not found' });
    }
    sendJson(res, 405, { error: `${method} not supported` });
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
      else res.destroy();
    });
  });
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}/`;
  return {
    url: baseUrl,
    port,
    token,
    published,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
