import { mkdir, rm, stat, utimes } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BlurgateError } from '@blurgate/core';

export interface PullLockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over (default 2 min). */
  readonly staleMs?: number;
  /** Give up waiting for another pull after this long (default 30 min). */
  readonly maxWaitMs?: number;
  readonly pollMs?: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `task` while holding a lock directory (mkdir is atomic), so two pulls of the same file into one
 * cache do not write the same `.incomplete` blob at once: the second waits, then finds the file cached.
 * The holder refreshes the lock's mtime; a lock left by a killed process goes stale and is taken over.
 */
export async function withPullLock<T>(
  lockPath: string,
  task: () => Promise<T>,
  options: PullLockOptions = {},
): Promise<T> {
  const staleMs = options.staleMs ?? 120_000;
  const maxWaitMs = options.maxWaitMs ?? 30 * 60_000;
  const pollMs = options.pollMs ?? 200;
  await mkdir(dirname(lockPath), { recursive: true });
  const waitStarted = Date.now();
  for (;;) {
    try {
      await mkdir(lockPath);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let age: number;
    try {
      age = Date.now() - (await stat(lockPath)).mtimeMs;
    } catch {
      continue; // released between our mkdir and stat: try again at once
    }
    if (age > staleMs) {
      await rm(lockPath, { recursive: true, force: true });
      continue;
    }
    if (Date.now() - waitStarted > maxWaitMs) {
      throw new BlurgateError(
        'DOWNLOAD_FAILED',
        `another download of this file has held ${lockPath} for ${Math.round(age / 1000)} s; ` +
          'if no other pull is running, remove that folder and try again',
      );
    }
    await sleep(pollMs);
  }
  const refresh = setInterval(
    () => {
      const now = new Date();
      utimes(lockPath, now, now).catch(() => {});
    },
    Math.max(1000, staleMs / 4),
  );
  refresh.unref();
  try {
    return await task();
  } finally {
    clearInterval(refresh);
    await rm(lockPath, { recursive: true, force: true });
  }
}
