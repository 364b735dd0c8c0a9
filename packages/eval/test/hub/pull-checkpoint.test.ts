import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type DownloadProgress,
  type PullCheckpointOptions,
  type PulledCheckpoint,
  pullCheckpoint,
  readCachedRef,
  writeCachedRef,
} from '../../src/hub/index.js';
import { type FakeHub, startFakeHub } from '../../test-support/fake-hub.js';
import { rejection } from './blurgate-rejection.js';

const REPO = 'test-org/blur-model';
// Deterministic, non-trivial bytes (1.5 MB: above @huggingface/hub's 1 MB in-RAM threshold).
const CONTENT = Uint8Array.from({ length: 1_500_000 }, (_, i) => (i * 2654435761) >>> 24);
const SHA256 = createHash('sha256').update(CONTENT).digest('hex');

let hub: FakeHub;
let cacheDir: string;

beforeEach(async () => {
  hub = await startFakeHub({ repos: { [REPO]: [{ path: 'best.pt', content: CONTENT, lfs: true }] } });
  cacheDir = await mkdtemp(join(tmpdir(), 'blurgate-hf-cache-'));
});

afterEach(async () => {
  await hub.close();
  await rm(cacheDir, { recursive: true, force: true });
});

/** Pulls from the fake hub into `cacheDir`: best.pt of REPO unless `options` say otherwise. */
function pullFromHub(options: Partial<PullCheckpointOptions> = {}): Promise<PulledCheckpoint> {
  return pullCheckpoint({ repo: REPO, file: 'best.pt', hubUrl: hub.url, cacheDir, ...options });
}

async function blobFiles(): Promise<string[]> {
  try {
    return await readdir(join(cacheDir, 'models--test-org--blur-model', 'blobs'));
  } catch {
    return [];
  }
}

describe('pullCheckpoint against the fake hub', () => {
  it('downloads into the standard cache layout, reports progress and the commit it got', async () => {
    const progress: DownloadProgress[] = [];
    // Library code never prints, and nothing patches console: the download goes through pathsInfo + downloadFile.
    const debug = vi.spyOn(console, 'debug');
    const pulled = await pullFromHub({ sha256: SHA256, onProgress: (p) => progress.push(p) });
    const head = hub.head(REPO);
    expect(pulled.revision).toBe(head);
    expect(pulled.requestedRevision).toBe('main');
    expect(pulled.sha256).toBe(SHA256);
    expect(pulled.size).toBe(CONTENT.byteLength);
    expect(pulled.fromCache).toBe(false);
    expect(pulled.path).toBe(join(cacheDir, 'models--test-org--blur-model', 'snapshots', head, 'best.pt'));
    expect((await readFile(pulled.path)).equals(CONTENT)).toBe(true);
    expect(await blobFiles()).toEqual([SHA256]);
    // refs/main is written like Python's client does, so an offline pull of `main` finds it.
    expect((await readFile(join(cacheDir, 'models--test-org--blur-model', 'refs', 'main'), 'utf8')).trim()).toBe(head);
    expect(progress.at(-1)).toEqual({
      file: 'best.pt',
      receivedBytes: CONTENT.byteLength,
      totalBytes: CONTENT.byteLength,
    });
    expect(debug).not.toHaveBeenCalled();
    expect(console.debug).toBe(debug);
    debug.mockRestore();
  });

  it('serves a pinned revision already in the cache with the hub stopped', async () => {
    const first = await pullFromHub();
    await hub.close();
    const second = await pullFromHub({ revision: first.revision, sha256: SHA256 });
    expect(second.fromCache).toBe(true);
    expect(second.path).toBe(first.path);
    expect(second.sha256).toBe(SHA256);
  });

  it('asks the hub which commit an unpinned branch is at, then reuses the cached file', async () => {
    await pullFromHub();
    const again = await pullFromHub();
    expect(again.fromCache).toBe(true);
    expect(hub.count('POST', '/paths-info/')).toBe(2);
    expect(hub.requests.filter((r) => r.path.endsWith('/best.pt') && r.range === null)).toHaveLength(1);
  });

  it('serves an unpinned branch from the cache when the hub is unreachable (refs/main)', async () => {
    await pullFromHub();
    await hub.close();
    const again = await pullFromHub();
    expect(again.fromCache).toBe(true);
    expect(again.sha256).toBe(SHA256);
  });

  it('reuses a cache laid out by Python huggingface_hub (blob, snapshot symlink, refs/main), online or offline', async () => {
    const folder = join(cacheDir, 'models--test-org--blur-model');
    const head = hub.head(REPO);
    await mkdir(join(folder, 'blobs'), { recursive: true });
    await mkdir(join(folder, 'snapshots', head), { recursive: true });
    await mkdir(join(folder, 'refs'), { recursive: true });
    await writeFile(join(folder, 'blobs', SHA256), CONTENT);
    await symlink(join('..', '..', 'blobs', SHA256), join(folder, 'snapshots', head, 'best.pt'));
    await writeFile(join(folder, 'refs', 'main'), head);
    const online = await pullFromHub();
    expect(online).toMatchObject({ fromCache: true, revision: head, sha256: SHA256 });
    const offline = await pullFromHub({ offline: true });
    expect(offline).toMatchObject({ fromCache: true, revision: head, sha256: SHA256 });
    expect(hub.requests.filter((r) => r.path.endsWith('/best.pt') && r.range === null)).toHaveLength(0);
  });

  it('two concurrent pulls into one cache download the file once', async () => {
    const [a, b] = await Promise.all([pullFromHub(), pullFromHub()]);
    expect(a.sha256).toBe(SHA256);
    expect(b.sha256).toBe(SHA256);
    expect([a.fromCache, b.fromCache].sort()).toEqual([false, true]);
    expect(hub.requests.filter((r) => r.path.endsWith('/best.pt') && r.range === null)).toHaveLength(1);
    // The lock is gone afterwards.
    expect(await readdir(join(cacheDir, '.locks', 'models--test-org--blur-model'))).toEqual([]);
  });

  it('takes over a stale lock left by a killed pull', async () => {
    const lock = join(cacheDir, '.locks', 'models--test-org--blur-model', 'best.pt.blurgate.lock');
    await mkdir(lock, { recursive: true });
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(lock, old, old);
    const pulled = await pullFromHub();
    expect(pulled.sha256).toBe(SHA256);
  });

  it('records refs only for safe branch names', async () => {
    const commit = 'c'.repeat(40);
    await writeCachedRef(cacheDir, REPO, '../../escape', commit);
    await writeCachedRef(cacheDir, REPO, 'refs/pr/1', commit);
    expect(await readdir(cacheDir)).toEqual(['models--test-org--blur-model']);
    expect(await readCachedRef(cacheDir, REPO, 'refs/pr/1')).toBe(commit);
    expect(await readCachedRef(cacheDir, REPO, '../../escape')).toBeNull();
  });

  it('with no network and no cache, says what to download and where to put it', async () => {
    await hub.close();
    const revision = 'a'.repeat(40);
    const error = await rejection(pullFromHub({ revision }));
    expect(error.code).toBe('DOWNLOAD_FAILED');
    expect(error.message).toContain(`${hub.url}/${REPO}/resolve/${revision}/best.pt`);
    expect(error.message).toContain('--checkpoint path/to/best.pt');
    expect(error.message).toContain(join(cacheDir, 'models--test-org--blur-model', 'snapshots', revision, 'best.pt'));
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('refuses a wrong sha256 and keeps nothing in the cache', async () => {
    const wrong = 'f'.repeat(64);
    const error = await rejection(pullFromHub({ sha256: wrong }));
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(error.message).toContain(SHA256);
    expect(error.message).toContain(wrong);
    expect(await blobFiles()).toEqual([]);
  });

  it('refuses wrong bytes even when unpinned (LFS oid), and a retry then succeeds', async () => {
    hub.injectFault({ kind: 'wrong-bytes', path: 'best.pt' });
    const error = await rejection(pullFromHub());
    expect(error.code).toBe('CHECKSUM_MISMATCH');
    expect(await blobFiles()).toEqual([]);
    const pulled = await pullFromHub();
    expect(pulled.sha256).toBe(SHA256);
  });

  it('reports a missing file, revision or repo as DOWNLOAD_FAILED naming the URL', async () => {
    const missingFile = await rejection(pullFromHub({ file: 'nope.pt' }));
    expect(missingFile.code).toBe('DOWNLOAD_FAILED');
    expect(missingFile.message).toContain(`${hub.url}/${REPO}/resolve/main/nope.pt`);
    const missingRepo = await rejection(pullFromHub({ repo: 'test-org/none' }));
    expect(missingRepo.message).toMatch(/Not found on the Hub/);
    const missingRevision = await rejection(pullFromHub({ revision: 'b'.repeat(40) }));
    expect(missingRevision.message).toMatch(/Not found on the Hub/);
  });

  it('restarts cleanly after a connection dropped mid-file', async () => {
    hub.injectFault({ kind: 'drop-mid-file', path: 'best.pt' });
    const pulled = await pullFromHub({ sha256: SHA256, retryDelayMs: 0 });
    expect(pulled.sha256).toBe(SHA256);
    expect((await readFile(pulled.path)).equals(CONTENT)).toBe(true);
    expect(await blobFiles()).toEqual([SHA256]);
    // Two full-body GETs: the dropped one and the restart.
    expect(hub.requests.filter((r) => r.path.endsWith('/best.pt') && r.range === null)).toHaveLength(2);
  });

  it('gives up after repeated drops and leaves no half-written file', async () => {
    hub.injectFault({ kind: 'drop-mid-file', path: 'best.pt', times: 5 });
    const error = await rejection(pullFromHub({ attempts: 2, retryDelayMs: 0 }));
    expect(error.code).toBe('DOWNLOAD_FAILED');
    expect(error.message).toContain('failed 2 times');
    expect(await blobFiles()).toEqual([]);
  });

  it('retries after a server error', async () => {
    hub.injectFault({ kind: 'status', status: 503, match: '/paths-info/' });
    const pulled = await pullFromHub({ retryDelayMs: 0 });
    expect(pulled.sha256).toBe(SHA256);
    expect(hub.count('POST', '/paths-info/')).toBe(2);
  });

  it('pulls an exact older commit after the branch moved on', async () => {
    const first = hub.head(REPO);
    const newer = Uint8Array.from(CONTENT.subarray(0, 1000));
    hub.commit(REPO, [{ path: 'best.pt', content: newer, lfs: true }], 'new weights');
    const pinned = await pullFromHub({ revision: first });
    expect(pinned.sha256).toBe(SHA256);
    const latest = await pullFromHub();
    expect(latest.revision).toBe(hub.head(REPO));
    expect(latest.size).toBe(1000);
  });
});
