import { type Dirent, readFileSync } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join as joinPath, resolve } from 'node:path';
import { type BlurgateErrorCode, hasImageExtension } from '@blurgate/core';
import { glob, isDynamicPattern } from 'tinyglobby';
import { type CliInput, showBytes } from './format-results.js';

/** Image names picked up from folders and globs: core's IMAGE_EXTENSIONS, and .svg with --allow-svg (explicitly named files are always taken). */
function isImageName(name: string, options: CollectOptions): boolean {
  return hasImageExtension(name) || (options.includeSvg === true && /\.svg$/i.test(name));
}

/** One argument that gave no file, reported as a per-input error. */
export interface InputProblem {
  readonly input: string;
  readonly code: BlurgateErrorCode;
  readonly message: string;
}

export interface CollectedInputs {
  /** Files in argument order (each folder and glob sorted), each file once (by its real path). */
  readonly files: CliInput[];
  readonly problems: InputProblem[];
}

export interface CollectOptions {
  /** Descend into subfolders. */
  readonly recursive: boolean;
  /** Descend into symbolic links to folders too (default false; loops are cut either way). */
  readonly followFolderLinks?: boolean;
  /** Take `.svg` files from folders too (with `--allow-svg`). */
  readonly includeSvg?: boolean;
}

/** A path string when its bytes are UTF-8, else an input carrying the bytes. */
function inputOf(path: Buffer): CliInput {
  const text = path.toString('utf8');
  return Buffer.from(text).equals(path) ? text : { path, name: showBytes(path) };
}

function pathOf(input: CliInput): string | Buffer {
  return typeof input === 'string' ? input : input.path;
}

/** path.join on bytes: latin1 maps each byte to one character and back, so no byte is re-decoded. */
function join(dir: Buffer, name: Buffer): Buffer {
  return Buffer.from(joinPath(dir.toString('latin1'), name.toString('latin1')), 'latin1');
}

/**
 * The bytes of a command-line argument. Node decodes argv as UTF-8 and replaces bytes that are not
 * with U+FFFD, so a file named that way would be "not found"; on Linux the raw bytes are in
 * /proc/self/cmdline, where the argument is the entry that decodes to the same string.
 */
function rawArgument(arg: string): string | Buffer {
  if (!arg.includes('\ufffd')) return arg;
  let cmdline: Buffer;
  try {
    cmdline = readFileSync('/proc/self/cmdline');
  } catch {
    return arg;
  }
  for (let start = 0; start < cmdline.length; ) {
    let end = cmdline.indexOf(0, start);
    if (end < 0) end = cmdline.length;
    const entry = cmdline.subarray(start, end);
    if (entry.toString('utf8') === arg && !Buffer.from(arg).equals(entry)) return Buffer.from(entry);
    start = end + 1;
  }
  return arg;
}

async function kind(path: string | Buffer): Promise<'file' | 'dir' | null> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

/**
 * The images under `root`, names read as bytes (a name that is not UTF-8 stays exact), sorted.
 * Hidden names are skipped; a link to a file counts as that file; links to folders are followed only
 * with `followFolderLinks`, and a folder is never read twice (no loops).
 */
async function walk(
  root: string | Buffer,
  options: CollectOptions,
  problems: InputProblem[],
  arg: string,
): Promise<Buffer[]> {
  const found: Buffer[] = [];
  const seenDirs = new Set<string>();
  const pending: Buffer[] = [typeof root === 'string' ? Buffer.from(root) : root];
  for (let dir = pending.pop(); dir; dir = pending.pop()) {
    try {
      const real = await realpath(dir, { encoding: 'buffer' });
      const key = real.toString('latin1');
      if (seenDirs.has(key)) continue;
      seenDirs.add(key);
    } catch {
      continue;
    }
    let entries: Dirent<Buffer>[];
    try {
      entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      problems.push({
        input: arg,
        code: 'READ_FAILED',
        message: `${showBytes(dir)}: this folder cannot be read (${code ?? 'error'})`,
      });
      continue;
    }
    for (const entry of entries) {
      const name = entry.name as unknown as Buffer;
      if (name[0] === 0x2e) continue; // hidden
      const path = join(dir, name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(path).catch(() => null);
        if (!target) continue; // a dangling link
        isFile = target.isFile();
        isDir = target.isDirectory() && options.followFolderLinks === true;
      }
      if (isDir && options.recursive) pending.push(path);
      else if (isFile && isImageName(name.toString('latin1'), options)) found.push(path);
    }
  }
  return found.sort(Buffer.compare);
}

/**
 * Expands CLI arguments: a file is taken as given (even with an odd extension, or missing: the
 * classifier then reports it), a folder gives its images (`recursive` descends), a glob its matches.
 * Each file is taken once, by its real path (a link and its target, or `a/../a/x.jpg`, are one file;
 * the path that is not a link is preferred).
 */
export async function collectInputs(
  args: readonly string[],
  recursiveOrOptions: boolean | CollectOptions,
): Promise<CollectedInputs> {
  const options: CollectOptions =
    typeof recursiveOrOptions === 'boolean' ? { recursive: recursiveOrOptions } : recursiveOrOptions;
  const files: CliInput[] = [];
  const problems: InputProblem[] = [];
  /** Real path → index in `files` and whether that entry is a link. */
  const seen = new Map<string, { index: number; viaLink: boolean }>();
  const add = async (input: CliInput): Promise<void> => {
    const path = pathOf(input);
    let key: string;
    let viaLink = false;
    try {
      key = (await realpath(path, { encoding: 'buffer' })).toString('latin1');
      viaLink = (await lstat(path)).isSymbolicLink();
    } catch {
      key = `missing:${typeof path === 'string' ? resolve(path) : path.toString('latin1')}`;
    }
    const earlier = seen.get(key);
    if (earlier) {
      if (earlier.viaLink && !viaLink) {
        files[earlier.index] = input;
        seen.set(key, { index: earlier.index, viaLink });
      }
      return;
    }
    seen.set(key, { index: files.length, viaLink });
    files.push(input);
  };

  for (const arg of args) {
    const raw = rawArgument(arg);
    const what = await kind(raw);
    if (what === 'file') {
      await add(typeof raw === 'string' ? raw : inputOf(raw));
    } else if (what === 'dir') {
      const images = await walk(raw, options, problems, arg);
      if (images.length === 0) {
        problems.push({
          input: arg,
          code: 'INPUT_NOT_FOUND',
          message: `${arg}: no images in this folder${options.recursive ? '' : ' (use -r to include subfolders)'}`,
        });
      }
      for (const image of images) await add(inputOf(image));
    } else if (isDynamicPattern(arg)) {
      const matches = (
        await glob(arg, { onlyFiles: true, dot: false, expandDirectories: false, followSymbolicLinks: false })
      ).sort();
      if (matches.length === 0) {
        problems.push({ input: arg, code: 'INPUT_NOT_FOUND', message: `${arg}: the pattern matches no files` });
      }
      for (const m of matches) await add(m);
    } else {
      // Missing: kept as an input so that it gets its per-file error in order.
      await add(typeof raw === 'string' ? raw : inputOf(raw));
    }
  }
  return { files, problems };
}
