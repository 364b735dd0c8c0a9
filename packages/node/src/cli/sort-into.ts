import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream, existsSync, unlinkSync } from 'node:fs';
import { copyFile, link, lstat, mkdir, open, realpath, rename, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { showBytes } from './format-results.js';

export type SortMode = 'copy' | 'move';

/** A file path as the file system has it: a string, or bytes for a name that is not valid UTF-8. */
export type FilePath = string | Buffer;

const MAX_ATTEMPTS = 10_000;
const SLASH = 0x2f;
const DOT = 0x2e;

function bytesOf(path: FilePath): Buffer {
  return typeof path === 'string' ? Buffer.from(path) : path;
}

/** Bytes back to a string when they are valid UTF-8 (the usual case), else kept as bytes. */
function asPath(bytes: Buffer): FilePath {
  const text = bytes.toString('utf8');
  return Buffer.from(text).equals(bytes) ? text : bytes;
}

/** The last path segment, as bytes (so a non-UTF-8 name is not re-decoded). */
function baseName(path: FilePath): Buffer {
  let bytes = bytesOf(path);
  while (bytes.length > 1 && bytes[bytes.length - 1] === SLASH) bytes = bytes.subarray(0, -1);
  return bytes.subarray(bytes.lastIndexOf(SLASH) + 1);
}

/** `name.jpg`, then `name-1.jpg`, `name-2.jpg`, ... (as bytes). */
function candidateName(name: Buffer, attempt: number): Buffer {
  if (attempt === 0) return name;
  const dot = name.lastIndexOf(DOT);
  const [stem, ext] = dot > 0 ? [name.subarray(0, dot), name.subarray(dot)] : [name, Buffer.alloc(0)];
  return Buffer.concat([stem, Buffer.from(`-${attempt}`), ext]);
}

function inDir(dir: string, name: Buffer): FilePath {
  return asPath(Buffer.concat([Buffer.from(dir.endsWith('/') ? dir : `${dir}/`), name]));
}

/** How a path appears in messages: non-UTF-8 bytes as \xNN. */
export function showPath(path: FilePath): string {
  return typeof path === 'string' ? path : showBytes(path);
}

async function sha256OfFile(path: FilePath): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes(String((error as NodeJS.ErrnoException)?.code));
}

function reason(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e?.code ?? String(e?.message ?? error).replace(/\s+/g, ' ');
}

/** Errors of hard links on file systems that have none, or across devices. */
const NO_LINK = ['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS'];

/** A sorting failure; `bothPlaces` is set when the file was left in the target and the source alike. */
export class SortError extends Error {
  constructor(
    message: string,
    readonly bothPlaces: FilePath | null = null,
  ) {
    super(message);
    this.name = 'SortError';
  }
}

/**
 * Copies or moves files into `<root>/<label>/`, atomically per file and never overwriting (a taken
 * name becomes `name-1.ext`, `name-2.ext`, ...):
 * - a copy is written under a temporary name in the target folder, then hard-linked to the first
 *   free name (link never replaces), so a final name only ever holds a complete file;
 * - a move is a hard link then an unlink of the source; across file systems a copy as above, a sha256
 *   check of the copy, then the unlink. If the source cannot be deleted, the new copy is removed
 *   again and the error says so; the source is deleted only once the target is complete;
 * - a symbolic link is copied as the file it points to; moved, it stays a link (re-made pointing to
 *   the resolved absolute target, so a relative link does not break).
 * With `dryRun`, names are planned (taken names on disk and earlier plans avoided) and nothing is touched.
 * Interrupt handling: {@link FileSorter.abandonSync} tells whether the process may exit now.
 */
export class FileSorter {
  readonly #root: string;
  readonly #mode: SortMode;
  readonly #dryRun: boolean;
  readonly #planned = new Set<string>();
  /** The temporary file being written, if any (removed on abandon). */
  #temp: FilePath | null = null;
  /** True from the moment a target name holds the file until place() returns (a move: the source is deleted). */
  #committing = false;

  constructor(root: string, mode: SortMode, dryRun: boolean) {
    this.#root = root;
    this.#mode = mode;
    this.#dryRun = dryRun;
  }

  /**
   * For a second Ctrl-C: removes a half-written temporary file and returns true when the process may
   * exit now, false once the file is in place until place() returns (then its line must be printed,
   * and a move must finish deleting its source).
   */
  abandonSync(): boolean {
    if (this.#committing) return false;
    if (this.#temp !== null) {
      try {
        unlinkSync(this.#temp);
      } catch {
        // already gone
      }
      this.#temp = null;
    }
    return true;
  }

  /**
   * Places one file.
   * @param source the file (a path string, or bytes for a non-UTF-8 name)
   * @param label the subfolder (sharp, blurred or uncertain)
   * @returns where it went (or would go)
   * @throws {SortError} with a one-line message saying where the file is
   */
  async place(source: FilePath, label: string): Promise<FilePath> {
    const dir = join(this.#root, label);
    const name = baseName(source);
    const shown = showPath(source);
    if (this.#dryRun) {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const target = inDir(dir, candidateName(name, attempt));
        const key = bytesOf(target).toString('latin1');
        if (!this.#planned.has(key) && !existsSync(target)) {
          this.#planned.add(key);
          return target;
        }
      }
      throw new SortError(`${shown}: no free name in ${dir}`);
    }
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new SortError(`${shown}: cannot create ${dir} (${reason(error)}); the source is unchanged`);
    }
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(source);
    } catch (error) {
      throw new SortError(`${shown}: cannot ${this.#mode} it (${reason(error)})`);
    }
    try {
      if (this.#mode === 'copy') return await this.#copyInto(source, dir, name, shown);
      if (info.isSymbolicLink()) return await this.#moveLink(source, dir, name, shown);
      return await this.#move(source, dir, name, shown);
    } finally {
      // The caller prints the file's line in the same tick as this returns.
      this.#committing = false;
    }
  }

  /** Links `from` to the first free name in `dir`; never replaces. */
  async #linkToFreeName(from: FilePath, dir: string, name: Buffer): Promise<FilePath> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const target = inDir(dir, candidateName(name, attempt));
      try {
        await link(from, target);
        this.#committing = true;
        return target;
      } catch (error) {
        if (isCode(error, 'EEXIST')) continue;
        throw error;
      }
    }
    throw new SortError(`no free name in ${dir}`);
  }

  /**
   * Where hard links are not supported: reserves the first free name with an exclusive create, then
   * renames the complete temporary file over that (own, empty) placeholder, which is atomic.
   */
  async #renameToFreeName(temp: FilePath, dir: string, name: Buffer): Promise<FilePath> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const target = inDir(dir, candidateName(name, attempt));
      try {
        await (await open(target, 'wx')).close();
      } catch (error) {
        if (isCode(error, 'EEXIST')) continue;
        throw error;
      }
      await rename(temp, target);
      this.#committing = true;
      return target;
    }
    throw new SortError(`no free name in ${dir}`);
  }

  /** Copies `source` (its content, through links) into a temporary file in `dir`, then into place. */
  async #placeCopy(source: FilePath, dir: string, name: Buffer, verify: boolean): Promise<FilePath> {
    const temp = inDir(
      dir,
      Buffer.concat([
        Buffer.from('.'),
        name,
        Buffer.from(`.${process.pid}-${randomBytes(4).toString('hex')}.blurgate-part`),
      ]),
    );
    this.#temp = temp;
    try {
      await copyFile(source, temp, constants.COPYFILE_EXCL);
      if (verify) {
        const [a, b] = await Promise.all([sha256OfFile(source), sha256OfFile(temp)]);
        if (a !== b) throw new Error('the copy does not match the source');
      }
      try {
        return await this.#linkToFreeName(temp, dir, name);
      } catch (error) {
        if (!isCode(error, ...NO_LINK)) throw error;
        return await this.#renameToFreeName(temp, dir, name);
      }
    } finally {
      await unlink(temp).catch(() => undefined);
      this.#temp = null;
    }
  }

  async #copyInto(source: FilePath, dir: string, name: Buffer, shown: string): Promise<FilePath> {
    try {
      return await this.#placeCopy(source, dir, name, false);
    } catch (error) {
      if (error instanceof SortError) throw new SortError(`${shown}: ${error.message}`);
      throw new SortError(`${shown}: cannot copy it into ${dir} (${reason(error)}); nothing was written`);
    }
  }

  async #move(source: FilePath, dir: string, name: Buffer, shown: string): Promise<FilePath> {
    let target: FilePath;
    try {
      try {
        target = await this.#linkToFreeName(source, dir, name);
      } catch (error) {
        if (!isCode(error, ...NO_LINK)) throw error;
        // Another file system (or no hard links): copy, verify, then place.
        target = await this.#placeCopy(source, dir, name, true);
      }
    } catch (error) {
      const why = error instanceof SortError ? error.message : reason(error);
      throw new SortError(`${shown}: cannot move it into ${dir} (${why}); the source is unchanged`);
    }
    await this.#deleteSource(source, target, shown);
    return target;
  }

  /** Moves a symbolic link: a new link at the target to the same file (absolute), then the old link removed. */
  async #moveLink(source: FilePath, dir: string, name: Buffer, shown: string): Promise<FilePath> {
    let target: FilePath | undefined;
    try {
      const pointsTo = await realpath(source);
      for (let attempt = 0; attempt < MAX_ATTEMPTS && target === undefined; attempt++) {
        const candidate = inDir(dir, candidateName(name, attempt));
        try {
          await symlink(pointsTo, candidate);
          target = candidate;
          this.#committing = true;
        } catch (error) {
          if (!isCode(error, 'EEXIST')) throw error;
        }
      }
      if (target === undefined) throw new SortError(`no free name in ${dir}`);
    } catch (error) {
      const why = error instanceof SortError ? error.message : reason(error);
      throw new SortError(`${shown}: cannot move this link into ${dir} (${why}); the source is unchanged`);
    }
    await this.#deleteSource(source, target, shown);
    return target;
  }

  /** The last step of a move: on failure, removes the target again so the file is in one place. */
  async #deleteSource(source: FilePath, target: FilePath, shown: string): Promise<void> {
    try {
      await unlink(source);
    } catch (error) {
      try {
        await unlink(target);
      } catch (removeError) {
        throw new SortError(
          `${shown}: moved to ${showPath(target)} but the source cannot be deleted (${reason(error)}) and that copy cannot be removed (${reason(removeError)}): the file is now in both places`,
          target,
        );
      }
      throw new SortError(
        `${shown}: cannot delete the source after placing it (${reason(error)}); the placed copy was removed, the source is unchanged`,
      );
    }
  }
}
