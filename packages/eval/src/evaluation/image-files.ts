import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hasImageExtension } from '@blurgate/core';

/** Names of the sub-directories of `dir`, sorted; empty when `dir` is not a readable directory. */
export async function subdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    const names: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const isDirectory = e.isSymbolicLink()
        ? await stat(join(dir, e.name)).then(
            (s) => s.isDirectory(),
            () => false,
          )
        : e.isDirectory();
      if (isDirectory) names.push(e.name);
    }
    return names.sort();
  } catch {
    return [];
  }
}

/**
 * Image files under `dir`, recursively, as paths relative to `dir` (`/`-separated), in sorted order. Only one
 * directory's entry names are held at a time, so a 10,000-image folder streams.
 */
export async function* walkImages(dir: string, prefix = ''): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    // Follow symbolic links (datasets are often assembled from links); a dangling one is skipped.
    const isDirectory = entry.isSymbolicLink()
      ? await stat(join(dir, entry.name)).then(
          (s) => s.isDirectory(),
          () => false,
        )
      : entry.isDirectory();
    if (isDirectory) yield* walkImages(join(dir, entry.name), relative);
    else if ((entry.isFile() || entry.isSymbolicLink()) && hasImageExtension(entry.name)) yield relative;
  }
}
