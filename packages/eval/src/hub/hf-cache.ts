// The standard Hugging Face cache layout, shared with Python's huggingface_hub:
// <cache>/models--org--name/{blobs/<etag>, snapshots/<commit>/<path>, refs/<branch>}.
//
// blurgate writes this layout itself (downloadIntoCache) from @huggingface/hub's public pathsInfo and
// downloadFile, rather than through its downloadFileToCacheDir: that function announces every download on
// console.debug (stdout in Node, with no option to turn it off; library code never prints) and does not
// record refs/<branch> as Python does (needed to serve a branch offline). Every write into the cache happens
// here, in the same layout, so nothing edits files another writer made behind its back.
import { createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { downloadFile, getHFHubCachePath, getRepoFolderName, pathsInfo } from '@huggingface/hub';

/** A 40-hex git commit id: the only kind of revision that can be served from the cache without asking the Hub. */
export const COMMIT_ID = /^[0-9a-f]{40}$/;

/** The Hugging Face hub cache: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `${XDG_CACHE_HOME:-~/.cache}/huggingface/hub`. */
export function huggingFaceCacheDir(): string {
  return getHFHubCachePath();
}

/** `<cacheDir>/models--org--name`. */
export function repoCacheFolder(cacheDir: string, repo: string): string {
  return join(cacheDir, getRepoFolderName({ type: 'model', name: repo }));
}

/** Where the cache keeps `file` for a commit: `<repo folder>/snapshots/<commit>/<file>`. */
export function snapshotFilePath(cacheDir: string, repo: string, commit: string, file: string): string {
  return join(repoCacheFolder(cacheDir, repo), 'snapshots', commit, file);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The cached snapshot file of `file` at a commit, or null when it is not (fully) there. */
export async function cachedSnapshotFile(
  cacheDir: string,
  repo: string,
  commit: string,
  file: string,
): Promise<string | null> {
  const path = snapshotFilePath(cacheDir, repo, commit, file);
  return (await isFile(path)) ? path : null;
}

// A branch or tag name usable as a path under refs/ (no `..` segments, no absolute paths).
function safeRef(ref: string): boolean {
  return (
    /^[\w.\-/]+$/.test(ref) && !ref.startsWith('/') && !ref.split('/').some((part) => part === '..' || part === '')
  );
}

/** The commit a branch or tag pointed at when last seen online (`refs/<name>`), or null. */
export async function readCachedRef(cacheDir: string, repo: string, ref: string): Promise<string | null> {
  if (!safeRef(ref)) return null;
  try {
    const text = (await readFile(join(repoCacheFolder(cacheDir, repo), 'refs', ref), 'utf8')).trim();
    return COMMIT_ID.test(text) ? text : null;
  } catch {
    return null;
  }
}

/**
 * Records `refs/<ref>` -> commit, as Python's huggingface_hub does (the JS client does not), so a later
 * offline pull of a branch name (ours or Python's `HF_HUB_OFFLINE=1`) finds the snapshot.
 */
export async function writeCachedRef(cacheDir: string, repo: string, ref: string, commit: string): Promise<void> {
  if (!safeRef(ref) || !COMMIT_ID.test(commit)) return;
  const path = join(repoCacheFolder(cacheDir, repo), 'refs', ref);
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, commit);
  await rename(temp, path);
}

/** What {@link downloadIntoCache} needs: the Hub, the file, the cache, and how to fetch. */
export interface CacheDownloadParams {
  readonly repo: string;
  readonly file: string;
  /** Branch, tag or 40-hex commit. */
  readonly revision: string;
  readonly hubUrl: string;
  readonly cacheDir: string;
  readonly accessToken?: string;
  /** e.g. a fetch that reports progress. */
  readonly fetch?: typeof fetch;
}

/** Where {@link downloadIntoCache} left the file, and whether its bytes were fetched. */
export interface CachedDownload {
  /** `snapshots/<commit>/<file>`, a relative symlink to `blobs/<etag>` (a copy where symlinks fail). */
  readonly pointer: string;
  /** False when the snapshot or the blob was already cached (only metadata was asked for). */
  readonly fetched: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

async function linkPointer(blob: string, pointer: string): Promise<void> {
  await rm(pointer, { force: true });
  try {
    await symlink(relative(dirname(pointer), blob), pointer);
  } catch {
    await copyFile(blob, pointer); // no symlinks here (some Windows setups): a copy, as huggingface_hub does
  }
}

/**
 * Downloads one file of a model repo into the Hugging Face cache, the way `hf_hub_download` lays it out:
 * asks the Hub (`pathsInfo`) for the file's etag and commit, reuses a cached snapshot or blob, otherwise
 * streams the body (`downloadFile`) into `blobs/<etag>.incomplete` and renames it when complete, then links
 * `snapshots/<commit>/<file>` to the blob. A 40-hex revision already cached needs no request at all.
 *
 * @param params - repo, file, revision, Hub URL, cache folder, token and fetch.
 * @returns the snapshot pointer and whether the body was fetched; null when the repo has no such file.
 * @throws `HubApiError` from `@huggingface/hub` for refusals (404 repo or revision, 401/403, 5xx), and
 *   fetch errors when the Hub cannot be reached; a broken transfer leaves only `blobs/<etag>.incomplete`.
 */
export async function downloadIntoCache(params: CacheDownloadParams): Promise<CachedDownload | null> {
  const { repo, file, revision, cacheDir } = params;
  if (COMMIT_ID.test(revision)) {
    const cached = await cachedSnapshotFile(cacheDir, repo, revision, file);
    if (cached) return { pointer: cached, fetched: false };
  }
  const common = {
    repo: { type: 'model' as const, name: repo },
    revision,
    hubUrl: params.hubUrl,
    ...(params.accessToken ? { accessToken: params.accessToken } : {}),
    ...(params.fetch ? { fetch: params.fetch } : {}),
  };
  const info = (await pathsInfo({ ...common, paths: [file], expand: true })).find((entry) => entry.path === file);
  if (info?.type !== 'file') return null;
  const etag = info.lfs?.oid ?? info.xetHash ?? info.oid;
  if (!etag) return null;
  // As huggingface.js names snapshots: the pinned commit, else the last commit that touched the file.
  const commit = COMMIT_ID.test(revision) ? revision : (info.lastCommit?.id ?? etag);
  const pointer = snapshotFilePath(cacheDir, repo, commit, file);
  if (await isFile(pointer)) return { pointer, fetched: false };

  const blob = join(repoCacheFolder(cacheDir, repo), 'blobs', etag);
  await mkdir(dirname(blob), { recursive: true });
  await mkdir(dirname(pointer), { recursive: true });
  let fetched = false;
  if (!(await exists(blob))) {
    const body = await downloadFile({ ...common, path: file });
    if (!body) return null;
    const incomplete = `${blob}.incomplete`;
    await pipeline(Readable.fromWeb(body.stream() as unknown as NodeReadableStream), createWriteStream(incomplete));
    await rename(incomplete, blob);
    fetched = true;
  }
  await linkPointer(blob, pointer);
  return { pointer, fetched };
}
