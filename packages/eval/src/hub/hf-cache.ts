// The standard Hugging Face cache layout, shared with Python's huggingface_hub:
// <cache>/models--org--name/{blobs/<etag>, snapshots/<commit>/<path>, refs/<branch>}.
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { getHFHubCachePath, getRepoFolderName } from '@huggingface/hub';

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
  return /^[\w.\-/]+$/.test(ref) && !ref.startsWith('/') && !ref.split('/').some((part) => part === '..' || part === '');
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
