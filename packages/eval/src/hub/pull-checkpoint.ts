import { readdir, realpath, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { BlurgateError, OptionError } from '@blurgate/core';
import { HubApiError, getRepoFolderName } from '@huggingface/hub';
import { type DownloadProgressListener, fetchWithProgress } from './download-progress.js';
import {
  COMMIT_ID,
  cachedSnapshotFile,
  downloadIntoCache,
  huggingFaceCacheDir,
  readCachedRef,
  repoCacheFolder,
  snapshotFilePath,
  writeCachedRef,
} from './hf-cache.js';
import { DEFAULT_HUB_URL, hubFileUrl } from './hub-url.js';
import { withPullLock } from './pull-lock.js';
import { sha256File } from '@blurgate/node/model-store';

export interface PullCheckpointOptions {
  /** Model repo, e.g. `bradduy/MagikaDocumentFromPixel`. */
  readonly repo: string;
  /** File in the repo, e.g. `best.pt`. */
  readonly file: string;
  /** Branch, tag or 40-hex commit; null or absent means `main`. */
  readonly revision?: string | null;
  /** Expected sha256 (hex) of the file; when absent an LFS file is still checked against its LFS oid. */
  readonly sha256?: string | null;
  /** Default `https://huggingface.co`. */
  readonly hubUrl?: string;
  /** Default: the standard cache (`HF_HUB_CACHE`, `HF_HOME/hub`, `~/.cache/huggingface/hub`). */
  readonly cacheDir?: string;
  readonly accessToken?: string;
  readonly onProgress?: DownloadProgressListener;
  /** Download attempts after interrupted transfers or server errors (default 3). */
  readonly attempts?: number;
  /** Pause before attempt n+1 is n times this (default 500 ms). */
  readonly retryDelayMs?: number;
  /** Never touch the network (default: `HF_HUB_OFFLINE` is 1/true/yes/on). */
  readonly offline?: boolean;
  /** A sentence appended to the offline error, e.g. how to pass a local file instead. */
  readonly offlineHint?: string;
}

export interface PulledCheckpoint {
  /** The file in the cache (`snapshots/<commit>/<file>`, a symlink to the blob). */
  readonly path: string;
  /** The commit the cached snapshot belongs to, or null when the Hub did not say. */
  readonly revision: string | null;
  /** What was asked for (`main` when unpinned). */
  readonly requestedRevision: string;
  /** The download URL of what was asked for. */
  readonly url: string;
  readonly sha256: string;
  readonly size: number;
  /** True when no download happened. */
  readonly fromCache: boolean;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
// Errors that mean "the Hub cannot be reached at all" rather than "the transfer broke".
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const errors = (current as Error & { errors?: unknown }).errors;
    if (Array.isArray(errors)) codes.push(...errors.flatMap(errorCodes));
    current = current.cause;
  }
  return codes;
}

function isUnreachable(error: unknown): boolean {
  return errorCodes(error).some((code) => UNREACHABLE_CODES.has(code));
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // undici hides the reason in `cause` ("fetch failed" -> "bad port", "other side closed").
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current.message && !messages.includes(current.message)) messages.push(current.message);
    current = current.cause;
  }
  const text = messages.join(': ');
  const codes = [...new Set(errorCodes(error))].filter((code) => !text.includes(code));
  return `${text}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`;
}

function envOffline(): boolean {
  return /^(1|true|yes|on)$/i.test(process.env['HF_HUB_OFFLINE'] ?? '');
}

/** Removes a cached snapshot pointer and the blob behind it, so the next pull downloads again. */
async function evict(cacheDir: string, repo: string, pointer: string): Promise<void> {
  try {
    const blobs = await realpath(join(repoCacheFolder(cacheDir, repo), 'blobs'));
    const blob = await realpath(pointer);
    // Only ever delete inside this repo's blobs folder.
    if (blob.startsWith(blobs + sep)) await rm(blob, { force: true });
  } catch {
    // A dangling pointer has no blob to remove.
  }
  await rm(pointer, { force: true });
}

/** Removes `.incomplete` blobs written since `since` (a broken transfer); the next attempt restarts cleanly. */
async function removeIncomplete(cacheDir: string, repo: string, since: number): Promise<void> {
  const blobs = join(repoCacheFolder(cacheDir, repo), 'blobs');
  let names: string[];
  try {
    names = await readdir(blobs);
  } catch {
    return;
  }
  for (const name of names.filter((n) => n.endsWith('.incomplete'))) {
    const path = join(blobs, name);
    try {
      if ((await stat(path)).mtimeMs >= since - 1000) await rm(path, { force: true });
    } catch {
      // Already gone.
    }
  }
}

/** The sha256 the cached file must have: the pinned one, else the LFS oid the blob is named after. */
async function expectedSha256(pointer: string, pinned: string | null): Promise<string | null> {
  if (pinned) return pinned;
  try {
    const blobName = basename(await realpath(pointer));
    return SHA256_HEX.test(blobName) ? blobName : null;
  } catch {
    return null;
  }
}

/**
 * Downloads a checkpoint into the standard Hugging Face cache (the layout Python's huggingface_hub
 * shares, written by {@link downloadIntoCache} from `@huggingface/hub`'s `pathsInfo` and `downloadFile`)
 * and checks its sha256. Nothing is printed: progress goes to `onProgress`.
 *
 * - A 40-hex revision already cached is served without any request.
 * - An interrupted transfer is restarted from scratch (up to `attempts`): the body is written to
 *   `blobs/<etag>.incomplete` and renamed only when complete, so a good file is never half-written;
 *   leftovers are removed.
 * - A file whose sha256 is wrong is evicted from the cache and refused with `CHECKSUM_MISMATCH`.
 * - With the Hub unreachable, a branch whose commit is recorded in `refs/` is served from the cache;
 *   otherwise `DOWNLOAD_FAILED` says exactly what to download.
 * - Concurrent pulls of one file into one cache take turns (a lock under `<cache>/.locks/`).
 *
 * @param options - the repo and file, the revision and sha256 to pin, the Hub URL, cache folder, token,
 *   progress listener, attempts and offline mode.
 * @returns the cached file (`snapshots/<commit>/<file>`), the commit it belongs to, its sha256 and size,
 *   and whether it came from the cache.
 * @throws {@link OptionError} for a malformed `sha256`; {@link BlurgateError} `CHECKSUM_MISMATCH` (wrong bytes,
 *   evicted) or `DOWNLOAD_FAILED` (not found, refused, unreachable with no cached copy, or every attempt
 *   failed), each naming the URL and what to do.
 * @example
 * ```ts
 * const pulled = await pullCheckpoint({
 *   repo: 'bradduy/MagikaDocumentFromPixel',
 *   file: 'best.pt',
 *   onProgress: (p) => bar.update(p.receivedBytes),
 * });
 * pulled.path; // <cache>/models--bradduy--MagikaDocumentFromPixel/snapshots/<commit>/best.pt
 * ```
 */
export async function pullCheckpoint(options: PullCheckpointOptions): Promise<PulledCheckpoint> {
  const { repo, file } = options;
  const requestedRevision = options.revision ?? 'main';
  const pinned = options.sha256?.toLowerCase() ?? null;
  if (pinned !== null && !SHA256_HEX.test(pinned)) {
    throw new OptionError(`sha256 must be 64 hex digits, got "${options.sha256}"`);
  }
  const hubUrl = options.hubUrl ?? DEFAULT_HUB_URL;
  const cacheDir = options.cacheDir ?? huggingFaceCacheDir();
  const attempts = Math.max(1, options.attempts ?? 3);
  const offline = options.offline ?? envOffline();
  const url = hubFileUrl(hubUrl, repo, requestedRevision, file);

  /** Checks a cached file; returns the result, or null after evicting a corrupt copy. */
  async function verified(pointer: string, fromCache: boolean): Promise<PulledCheckpoint | null> {
    const expected = await expectedSha256(pointer, pinned);
    const actual = await sha256File(pointer);
    if (expected !== null && actual !== expected) {
      await evict(cacheDir, repo, pointer);
      if (fromCache) return null;
      throw new BlurgateError(
        'CHECKSUM_MISMATCH',
        `${url} has sha256 ${actual}, expected ${expected}. The download was discarded; ` +
          'check the revision and sha256 in the model manifest.',
      );
    }
    const commit = basename(dirname(pointer));
    return {
      path: pointer,
      revision: COMMIT_ID.test(commit) ? commit : null,
      requestedRevision,
      url,
      sha256: actual,
      size: (await stat(pointer)).size,
      fromCache,
    };
  }

  async function fromCache(): Promise<PulledCheckpoint | null> {
    const commit = COMMIT_ID.test(requestedRevision)
      ? requestedRevision
      : await readCachedRef(cacheDir, repo, requestedRevision);
    if (!commit) return null;
    const pointer = await cachedSnapshotFile(cacheDir, repo, commit, file);
    return pointer ? verified(pointer, true) : null;
  }

  function offlineError(reason: string, cause?: unknown): BlurgateError {
    const where = COMMIT_ID.test(requestedRevision)
      ? ` or save it as ${snapshotFilePath(cacheDir, repo, requestedRevision, file)} (the Hugging Face cache)`
      : '';
    return new BlurgateError(
      'DOWNLOAD_FAILED',
      `Cannot download ${file} of ${repo} at revision ${requestedRevision}: ${reason}, and the Hugging Face ` +
        `cache (${cacheDir}) has no copy. Download ${url} on a machine with network access, ` +
        `then pass the file with --checkpoint path/to/${basename(file)}${where}.` +
        (options.offlineHint ? ` ${options.offlineHint}` : ''),
      { cause },
    );
  }

  // A pinned commit already in the cache needs no network (downloadIntoCache also knows this, but
  // we must verify the bytes before trusting them).
  if (COMMIT_ID.test(requestedRevision) || offline) {
    const cached = await fromCache();
    if (cached) return cached;
    if (offline) throw offlineError('offline mode is on (--offline or HF_HUB_OFFLINE)');
  }

  // One download of a file into a cache at a time (across processes); a waiter then finds it cached.
  // The lock sits under `.locks/`, which Python's huggingface_hub also uses and cache scans skip.
  const lockName = `${file.replace(/[^\w.-]/g, '_')}.blurgate.lock`;
  const lock = join(cacheDir, '.locks', getRepoFolderName({ type: 'model', name: repo }), lockName);
  return withPullLock(lock, async () => {
    let lastError: unknown;
    // Set when a file body is fetched: a cached file found after asking the Hub which commit a branch is at
    // is reported as `fromCache`.
    let bodyFetched = false;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1)
        await new Promise((resolve) => setTimeout(resolve, (attempt - 1) * (options.retryDelayMs ?? 500)));
      const started = Date.now();
      let pointer: string;
      try {
        const download = await downloadIntoCache({
          repo,
          file,
          revision: requestedRevision,
          hubUrl,
          cacheDir,
          ...(options.accessToken ? { accessToken: options.accessToken } : {}),
          fetch: fetchWithProgress(file, options.onProgress),
        });
        if (download === null) {
          throw new BlurgateError(
            'DOWNLOAD_FAILED',
            `Not found on the Hub: ${url} (the repo has no ${file} at ${requestedRevision}).`,
          );
        }
        pointer = download.pointer;
        bodyFetched = download.fetched;
      } catch (error) {
        if (error instanceof BlurgateError) throw error;
        lastError = error;
        await removeIncomplete(cacheDir, repo, started);
        if (error instanceof HubApiError) {
          if (error.statusCode === 404) {
            throw new BlurgateError(
              'DOWNLOAD_FAILED',
              `Not found on the Hub: ${url} (${error.message}). Check the repo, revision and file.`,
              { cause: error },
            );
          }
          if (error.statusCode === 401 || error.statusCode === 403) {
            throw new BlurgateError(
              'DOWNLOAD_FAILED',
              `The Hub refused ${url} (HTTP ${error.statusCode}); for a private or gated repo set HF_TOKEN.`,
              { cause: error },
            );
          }
          // 429 (rate limited) and 5xx are worth another attempt; other refusals are final.
          if (error.statusCode < 500 && error.statusCode !== 429) {
            throw new BlurgateError('DOWNLOAD_FAILED', `The Hub refused ${url}: ${error.message}`, { cause: error });
          }
        } else if (isUnreachable(error)) {
          const cached = await fromCache();
          if (cached) return cached;
          throw offlineError(`the Hub at ${hubUrl} is unreachable (${describe(error)})`, error);
        }
        continue;
      }
      const result = await verified(pointer, !bodyFetched);
      if (result === null) {
        lastError = new Error('the cached copy had the wrong sha256 and was evicted');
        continue;
      }
      if (result.revision && !COMMIT_ID.test(requestedRevision)) {
        await writeCachedRef(cacheDir, repo, requestedRevision, result.revision);
      }
      return result;
    }
    throw new BlurgateError(
      'DOWNLOAD_FAILED',
      `Downloading ${url} failed ${attempts} times; last error: ${describe(lastError)}. ` +
        'Nothing was kept; run the pull again, or download the file yourself and pass it with --checkpoint.',
      { cause: lastError },
    );
  });
}
