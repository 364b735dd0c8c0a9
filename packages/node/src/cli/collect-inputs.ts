import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BlurgateErrorCode } from '@blurgate/core';
import { glob, isDynamicPattern } from 'tinyglobby';

/** File extensions picked up from folders and globs (explicitly named files are always taken). */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'avif', 'tif', 'tiff', 'gif', 'heic', 'heif'];

const IMAGE_EXTENSION = new RegExp(`\\.(${IMAGE_EXTENSIONS.join('|')})$`, 'i');

/** One argument that gave no file, reported as a per-input error. */
export interface InputProblem {
  readonly input: string;
  readonly code: BlurgateErrorCode;
  readonly message: string;
}

export interface CollectedInputs {
  /** Files in argument order (each folder and glob sorted), without duplicates. */
  readonly files: string[];
  readonly problems: InputProblem[];
}

async function kind(path: string): Promise<'file' | 'dir' | null> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

/**
 * Expands CLI arguments: a file is taken as given (even with an odd extension, or missing: the
 * classifier then reports it), a folder gives its images (`recursive` descends), a glob its matches.
 */
export async function collectInputs(args: readonly string[], recursive: boolean): Promise<CollectedInputs> {
  const files: string[] = [];
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    const key = resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(file);
  };

  for (const arg of args) {
    const what = await kind(arg);
    if (what === 'file') {
      add(arg);
    } else if (what === 'dir') {
      const matches = await glob(recursive ? '**/*' : '*', { cwd: arg, onlyFiles: true, dot: false });
      const images = matches.filter((m) => IMAGE_EXTENSION.test(m)).sort();
      if (images.length === 0) {
        problems.push({
          input: arg,
          code: 'INPUT_NOT_FOUND',
          message: `${arg}: no images in this folder${recursive ? '' : ' (use -r to include subfolders)'}`,
        });
      }
      for (const m of images) add(join(arg, m));
    } else if (isDynamicPattern(arg)) {
      const matches = (await glob(arg, { onlyFiles: true, dot: false, expandDirectories: false })).sort();
      if (matches.length === 0) {
        problems.push({ input: arg, code: 'INPUT_NOT_FOUND', message: `${arg}: the pattern matches no files` });
      }
      for (const m of matches) add(m);
    } else {
      // Missing: kept as an input so that it gets its per-file error in order.
      add(arg);
    }
  }
  return { files, problems };
}
