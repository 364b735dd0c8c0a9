/**
 * A fake Hugging Face Hub for tests: node:http on 127.0.0.1, a random port, bounded (timeouts, body cap,
 * `close()` drops every connection). It implements exactly the endpoints `@huggingface/hub` 2.x calls for
 * downloads (`downloadFile`, `downloadFileToCacheDir`, `fileExists`) and regular (non-LFS, non-xet) uploads
 * (`uploadFiles` / `commit` with `useXet: false`), plus `createRepo`, `repoExists`/`modelInfo` and
 * `listFiles` (tree). docs/reference-arithmetic.md §5.
 *
 * It never answers with `application/vnd.xet-fileinfo+json`, so the client always takes the plain HTTP path.
 *
 * Usage:
 *   const hub = await startFakeHub({ repos: { 'org/name': [{ path: 'best.pt', content: bytes, lfs: true }] } });
 *   await downloadFileToCacheDir({ repo: 'org/name', path: 'best.pt', hubUrl: hub.url, cacheDir });
 *   hub.injectFault({ kind: 'drop-mid-file', path: 'best.pt' });   // next full GET of best.pt is cut in half
 *   hub.commits;                                                    // uploads, with files and message
 *   await hub.close();
 */
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A file in a fake repo. `lfs: true` describes it the way the Hub describes LFS files (oid = sha256). */
export interface FakeHubFile {
  readonly path: string;
  readonly content: Uint8Array;
  readonly lfs?: boolean;
}

export interface FakeHubOptions {
  /** Repos (`org/name`) and their initial files, committed to `main` as the first commit. */
  readonly repos?: Readonly<Record<string, readonly FakeHubFile[]>>;
  /** When set, uploads (preupload, commit, create repo) require `Authorization: Bearer <token>`. */
  readonly requireToken?: string;
  /** Largest request body accepted, in bytes (default 64 MiB). */
  readonly maxBodyBytes?: number;
}

/** One request the hub received. */
export interface FakeHubRequest {
  readonly method: string;
  readonly path: string;
  readonly range: string | null;
  readonly authorization: string | null;
}

/** One commit made through the upload endpoints. */
export interface FakeHubCommit {
  readonly repo: string;
  readonly branch: string;
  readonly id: string;
  readonly title: string;
  readonly description: string | undefined;
  /** Added or updated files, decoded. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly deleted: readonly string[];
}

/** A fault served instead of the normal answer to the next matching request(s). */
export type FakeHubFault =
  /** The next full (non-probe) GET of the file sends headers and half the bytes, then destroys the socket. */
  | { readonly kind: 'drop-mid-file'; readonly path?: string; readonly times?: number }
  /** The next full GET of the file serves the right length but different bytes. */
  | { readonly kind: 'wrong-bytes'; readonly path?: string; readonly times?: number }
  /** The next request whose path contains `match` gets this status (JSON error body). */
  | { readonly kind: 'status'; readonly status: number; readonly match: string; readonly times?: number };

export interface FakeHub {
  /** e.g. `http://127.0.0.1:41234`; pass as `hubUrl`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: readonly FakeHubRequest[];
  /** Commits made through the upload endpoints, in order. */
  readonly commits: readonly FakeHubCommit[];
  /** Number of requests matching a method and a path substring. */
  count(method: string, pathContains?: string): number;
  /** Adds a commit directly (no HTTP) and returns its 40-hex id. */
  commit(repo: string, files: readonly FakeHubFile[], title?: string, branch?: string): string;
  /** The head commit of a branch. */
  head(repo: string, branch?: string): string;
  /** The files of a repo at a revision (branch or commit id). */
  filesAt(repo: string, revision?: string): ReadonlyMap<string, Uint8Array>;
  injectFault(fault: FakeHubFault): void;
  close(): Promise<void>;
}

interface StoredFile {
  readonly content: Uint8Array;
  readonly lfs: boolean;
  readonly gitOid: string;
  readonly sha256: string;
  readonly lastCommit: { readonly id: string; readonly title: string; readonly date: string };
}

interface Snapshot {
  readonly id: string;
  readonly files: ReadonlyMap<string, StoredFile>;
}

interface Repo {
  readonly branches: Map<string, string>;
  readonly commits: Map<string, Snapshot>;
}

type MutableFault = FakeHubFault & { remaining: number };

const COMMIT_ID = /^[0-9a-f]{40}$/;
const DEFAULT_MAX_BODY = 64 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

function sha1Hex(data: Uint8Array | string): string {
  return createHash('sha1').update(data).digest('hex');
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Git's blob id, which is what the Hub reports as `oid` of a regular file. */
function gitBlobOid(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}

/** Starts a fake hub on 127.0.0.1 with a random free port. */
export async function startFakeHub(options: FakeHubOptions = {}): Promise<FakeHub> {
  const repos = new Map<string, Repo>();
  const requests: FakeHubRequest[] = [];
  const commits: FakeHubCommit[] = [];
  const faults: MutableFault[] = [];
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  let commitCounter = 0;

  function ensureRepo(name: string): Repo {
    let repo = repos.get(name);
    if (!repo) {
      repo = { branches: new Map(), commits: new Map() };
      repos.set(name, repo);
    }
    return repo;
  }

  function addCommit(
    repoName: string,
    branch: string,
    title: string,
    added: readonly FakeHubFile[],
    deleted: readonly string[] = [],
  ): string {
    const repo = ensureRepo(repoName);
    const parentId = repo.branches.get(branch);
    const parent = parentId ? repo.commits.get(parentId) : undefined;
    commitCounter += 1;
    const id = sha1Hex(`${repoName}\n${branch}\n${commitCounter}\n${title}\n${parentId ?? ''}`);
    const date = new Date(Date.UTC(2026, 0, 1, 0, 0, commitCounter)).toISOString();
    const files = new Map(parent?.files ?? []);
    for (const path of deleted) files.delete(path);
    for (const file of added) {
      files.set(file.path, {
        content: file.content,
        lfs: file.lfs ?? false,
        gitOid: gitBlobOid(file.content),
        sha256: sha256Hex(file.content),
        lastCommit: { id, title, date },
      });
    }
    repo.commits.set(id, { id, files });
    repo.branches.set(branch, id);
    return id;
  }

  function snapshotAt(repoName: string, revision: string): Snapshot | undefined {
    const repo = repos.get(repoName);
    if (!repo) return undefined;
    const id = repo.branches.get(revision) ?? (COMMIT_ID.test(revision) ? revision : undefined);
    return id ? repo.commits.get(id) : undefined;
  }

  /** The snapshot a request names, or a 404 the way the Hub answers (unknown repo, then unknown revision). */
  function snapshotOrNotFound(res: ServerResponse, repoName: string, revision: string): Snapshot | undefined {
    if (!repos.has(repoName)) {
      sendError(res, 404, 'RepoNotFound', `Repository not found: ${repoName}`);
      return undefined;
    }
    const snapshot = snapshotAt(repoName, revision);
    if (!snapshot) sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    return snapshot;
  }

  for (const [name, files] of Object.entries(options.repos ?? {})) {
    addCommit(name, 'main', 'Initial commit', files);
  }

  function takeFault(predicate: (fault: MutableFault) => boolean): MutableFault | undefined {
    const index = faults.findIndex(predicate);
    if (index < 0) return undefined;
    const fault = faults[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  }

  function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }

  function sendError(res: ServerResponse, status: number, code: string, message: string): void {
    sendJson(res, status, { error: message }, { 'X-Error-Code': code, 'X-Error-Message': message });
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      total += buffer.byteLength;
      if (total > maxBody) throw new Error(`request body over ${maxBody} bytes`);
      chunks.push(buffer);
    }
    return Buffer.concat(chunks);
  }

  function authorised(req: IncomingMessage): boolean {
    return options.requireToken === undefined || req.headers.authorization === `Bearer ${options.requireToken}`;
  }

  function serveFile(
    req: IncomingMessage,
    res: ServerResponse,
    repoName: string,
    revision: string,
    filePath: string,
  ): void {
    const snapshot = snapshotOrNotFound(res, repoName, revision);
    if (!snapshot) return;
    const file = snapshot.files.get(filePath);
    if (!file) {
      sendError(res, 404, 'EntryNotFound', `${filePath} does not exist on "${revision}"`);
      return;
    }

    const etag = `"${file.lfs ? file.sha256 : file.gitOid}"`;
    const common: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      ETag: etag,
      'X-Linked-ETag': etag,
      'X-Linked-Size': String(file.content.byteLength),
      'X-Repo-Commit': snapshot.id,
    };
    const size = file.content.byteLength;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (req.headers.range && range) {
      const start = Number(range[1]);
      const end = range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
      if (start >= size || start > end) {
        res.writeHead(416, { ...common, 'Content-Range': `bytes */${size}` });
        res.end();
        return;
      }
      const part = file.content.subarray(start, end + 1);
      res.writeHead(206, {
        ...common,
        'Content-Range': `bytes ${start}-${end}/${size}`,
        'Content-Length': part.byteLength,
      });
      res.end(req.method === 'HEAD' ? undefined : part);
      return;
    }
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...common, 'Content-Length': size });
      res.end();
      return;
    }
    const matchesFile = (fault: MutableFault) =>
      (fault.kind === 'drop-mid-file' || fault.kind === 'wrong-bytes') && (fault.path ?? filePath) === filePath;
    const fault = takeFault(matchesFile);
    if (fault?.kind === 'drop-mid-file') {
      res.writeHead(200, { ...common, 'Content-Length': size });
      res.write(file.content.subarray(0, Math.floor(size / 2)), () => {
        // Give the half a moment to leave, then cut the connection: the client sees a short body.
        setTimeout(() => req.socket.destroy(), 20);
      });
      return;
    }
    let body = file.content;
    if (fault?.kind === 'wrong-bytes') {
      body = Uint8Array.from(file.content, (byte) => byte ^ 0xff);
    }
    res.writeHead(200, { ...common, 'Content-Length': size });
    res.end(body);
  }

  function pathsInfo(res: ServerResponse, repoName: string, revision: string, body: Buffer): void {
    const snapshot = snapshotOrNotFound(res, repoName, revision);
    if (!snapshot) return;
    const request = JSON.parse(body.toString('utf8') || '{}') as { paths?: unknown; expand?: unknown };
    const paths = Array.isArray(request.paths) ? request.paths.filter((p): p is string => typeof p === 'string') : [];
    const expand = request.expand === true;
    const entries = [];
    // Like the real Hub: unknown paths are simply absent from the answer.
    for (const path of paths) {
      const file = snapshot.files.get(path);
      if (!file) continue;
      entries.push({
        type: 'file',
        path,
        oid: file.gitOid,
        size: file.content.byteLength,
        ...(file.lfs && { lfs: { oid: file.sha256, size: file.content.byteLength, pointerSize: 134 } }),
        ...(expand && { lastCommit: file.lastCommit, securityFileStatus: { status: 'safe' } }),
      });
    }
    sendJson(res, 200, entries);
  }

  function tree(res: ServerResponse, repoName: string, revision: string): void {
    const snapshot = snapshotAt(repoName, revision);
    if (!snapshot) {
      sendError(res, 404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
      return;
    }
    sendJson(
      res,
      200,
      [...snapshot.files].map(([path, file]) => ({
        type: 'file',
        path,
        oid: file.gitOid,
        size: file.content.byteLength,
        ...(file.lfs && { lfs: { oid: file.sha256, size: file.content.byteLength, pointerSize: 134 } }),
      })),
    );
  }

  function preupload(res: ServerResponse, body: Buffer): void {
    const request = JSON.parse(body.toString('utf8')) as { files?: { path: string }[] };
    // Everything is "regular": the client then sends the bytes base64 inside the commit NDJSON.
    sendJson(res, 200, { files: (request.files ?? []).map((f) => ({ path: f.path, uploadMode: 'regular' })) });
  }

  function commitEndpoint(res: ServerResponse, repoName: string, branch: string, body: Buffer): void {
    const lines = body
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    let title = '';
    let description: string | undefined;
    const added: FakeHubFile[] = [];
    const deleted: string[] = [];
    for (const line of lines) {
      const entry = JSON.parse(line) as { key: string; value: Record<string, unknown> };
      if (entry.key === 'header') {
        title = String(entry.value['summary'] ?? '');
        description = entry.value['description'] === undefined ? undefined : String(entry.value['description']);
      } else if (entry.key === 'file') {
        const encoding = entry.value['encoding'] === 'base64' ? 'base64' : 'utf8';
        const content = new Uint8Array(Buffer.from(String(entry.value['content'] ?? ''), encoding));
        added.push({ path: String(entry.value['path']), content });
      } else if (entry.key === 'deletedFile') {
        deleted.push(String(entry.value['path']));
      } else {
        sendError(res, 400, 'BadRequest', `fake hub: unsupported commit entry ${entry.key} (LFS/xet uploads)`);
        return;
      }
    }
    if (!repos.has(repoName)) {
      sendError(res, 404, 'RepoNotFound', `Repository not found: ${repoName}`);
      return;
    }
    const id = addCommit(repoName, branch, title, added, deleted);
    commits.push({
      repo: repoName,
      branch,
      id,
      title,
      description,
      files: new Map(added.map((f) => [f.path, f.content])),
      deleted,
    });
    sendJson(res, 200, { commitOid: id, commitUrl: `http://127.0.0.1/${repoName}/commit/${id}`, success: true });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    requests.push({
      method,
      path: url.pathname,
      range: req.headers.range ?? null,
      authorization: req.headers.authorization ?? null,
    });
    const statusFault = takeFault((f) => f.kind === 'status' && url.pathname.includes(f.match));
    if (statusFault?.kind === 'status') {
      sendError(res, statusFault.status, 'Injected', `fake hub: injected status ${statusFault.status}`);
      return;
    }
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent);

    // /api/models/{org}/{name}/{action}/{rev...}
    if (segments[0] === 'api' && segments[1] === 'models' && segments.length >= 4) {
      const repoName = `${segments[2]}/${segments[3]}`;
      const action = segments[4];
      const revision = segments[5] ?? 'main';
      const body = method === 'POST' ? await readBody(req) : Buffer.alloc(0);
      if (action === undefined && method === 'GET') {
        const repo = repos.get(repoName);
        if (!repo) {
          sendError(res, 404, 'RepoNotFound', `Repository not found: ${repoName}`);
          return;
        }
        sendJson(res, 200, { id: repoName, name: repoName, sha: repo.branches.get('main') ?? null, private: false });
        return;
      }
      if (action === 'paths-info' && method === 'POST') {
        pathsInfo(res, repoName, revision, body);
        return;
      }
      if (action === 'tree' && method === 'GET') {
        tree(res, repoName, revision);
        return;
      }
      if (action === 'preupload' || action === 'commit') {
        if (!authorised(req)) {
          sendError(res, 401, 'Unauthorized', 'Invalid credentials in Authorization header');
          return;
        }
        if (action === 'preupload' && method === 'POST') {
          preupload(res, body);
          return;
        }
        if (action === 'commit' && method === 'POST') {
          commitEndpoint(res, repoName, revision, body);
          return;
        }
      }
    }
    if (segments[0] === 'api' && segments[1] === 'repos' && segments[2] === 'create' && method === 'POST') {
      if (!authorised(req)) {
        sendError(res, 401, 'Unauthorized', 'Invalid credentials in Authorization header');
        return;
      }
      const request = JSON.parse((await readBody(req)).toString('utf8')) as { name: string; organization?: string };
      const repoName = `${request.organization ?? 'user'}/${request.name}`;
      if (repos.has(repoName)) {
        sendError(res, 409, 'RepoExists', 'You already created this model repo');
        return;
      }
      ensureRepo(repoName);
      sendJson(res, 200, { url: `http://127.0.0.1/${repoName}`, id: repoName });
      return;
    }
    // /{org}/{name}/resolve|raw/{rev}/{path...}
    if (segments.length >= 5 && (segments[2] === 'resolve' || segments[2] === 'raw')) {
      if (method !== 'GET' && method !== 'HEAD') {
        sendError(res, 405, 'MethodNotAllowed', method);
        return;
      }
      serveFile(req, res, `${segments[0]}/${segments[1]}`, segments[3], segments.slice(4).join('/'));
      return;
    }
    sendError(res, 404, 'NotFound', `fake hub: no route for ${method} ${url.pathname}`);
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, 'Internal', String(error));
      else res.destroy();
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    commits,
    count(method, pathContains = '') {
      return requests.filter((r) => r.method === method && r.path.includes(pathContains)).length;
    },
    commit(repo, files, title = 'Update files', branch = 'main') {
      return addCommit(repo, branch, title, files);
    },
    head(repo, branch = 'main') {
      const id = repos.get(repo)?.branches.get(branch);
      if (!id) throw new Error(`fake hub: no branch ${branch} in ${repo}`);
      return id;
    },
    filesAt(repo, revision = 'main') {
      const snapshot = snapshotAt(repo, revision);
      if (!snapshot) throw new Error(`fake hub: no revision ${revision} in ${repo}`);
      return new Map([...snapshot.files].map(([path, file]) => [path, file.content]));
    },
    injectFault(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
