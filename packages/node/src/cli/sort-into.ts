import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, createReadStream, existsSync, openSync, unlinkSync } from 'node:fs';
import { link, lstat, mkdir, open, realpath, rename, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { showBytes } from './format-results.js';

export type SortMode = 'copy' | 'move';

/** A file path as the file system has it: a string, or bytes for a name that is not valid UTF-8. */
export type FilePath = string | Buffer;

const MAX_ATTEMPTS = 10_000;
/** Chunk size of a copy through a file descriptor (few round trips for multi-megabyte images). */
const COPY_CHUNK_BYTES = 1 << 20;
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

/**
 * Copies the content of `source` into the existing file `into`, through descriptors. `into` is opened
 * without O_CREAT, so if its name was removed meanwhile (abandonSync) the open fails with ENOENT instead
 * of bringing the name back. Hand-written rather than copyFile, which opens its target by path with
 * O_CREAT on libuv's thread pool whenever a thread is free, possibly after that removal; 1 MiB chunks
 * keep the round trips few for multi-megabyte images.
 */
async function copyContent(source: FilePath, into: FilePath): Promise<void> {
  const input = await open(source, 'r');
  try {
    const output = await open(into, constants.O_WRONLY);
    try {
      await writeFile(output, input.createReadStream({ highWaterMark: COPY_CHUNK_BYTES, autoClose: false }));
      // As copyFile: the copy gets the source's permission bits. Not fatal (CIFS shares refuse chmod).
      await output.chmod((await input.stat()).mode & 0o7777).catch(() => undefined);
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
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
 * Interrupt handling: {@link FileSorter.abandonSync} tells whether the process may exit now; once it has
 * been called, no new name is created (a place() that has not yet started giving its file a final name fails).
 */
export class FileSorter {
  readonly #root: string;
  readonly #mode: SortMode;
  readonly #dryRun: boolean;
  readonly #planned = new Set<string>();
  /**
   * The temporary file being written, if any (removed on abandon). Its name is created synchronously and
   * registered here in the same tick, so it exists on disk only while this names it.
   */
  #temp: FilePath | null = null;
  /**
   * True from the moment a request that can give the file a final name (link, symlink, placeholder,
   * rename) is issued until place() returns (a move: the source is deleted). Such a request runs on the
   * thread pool and may complete at any time, even while the process exits: then the file would be
   * placed but not reported.
   */
  #committing = false;
  /** Set by abandonSync(): from then on no new name is created. */
  #abandoned = false;

  constructor(root: string, mode: SortMode, dryRun: boolean) {
    this.#root = root;
    this.#mode = mode;
    this.#dryRun = dryRun;
  }

  /**
   * For a second Ctrl-C: removes a half-written temporary file and returns true when the process may
   * exit now; false from the first request that may give the file a final name until place() returns
   * (then its line must be printed, and a move must finish deleting its source). Either way no later
   * step creates a new name: a place() not yet committing fails with "interrupted".
   */
  abandonSync(): boolean {
    this.#abandoned = true;
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

  /** Fails once abandoned (the message reads "... (interrupted); ..."). */
  #refuseIfAbandoned(): void {
    if (this.#abandoned) throw new Error('interrupted');
  }

  /**
   * Gives the file the first free name in `dir` (`name`, `name-1`, `name-2`, ...): `claim(target)` makes the
   * name and fails with EEXIST when it is taken; nothing is ever replaced. From the first claim until place()
   * returns, abandonSync() waits (a claim runs on the thread pool and may complete even while the process
   * exits: the file would be placed but not reported); a failure lets it go again.
   */
  async #claimFreeName(dir: string, name: Buffer, claim: (target: FilePath) => Promise<void>): Promise<FilePath> {
    this.#refuseIfAbandoned();
    this.#committing = true;
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const target = inDir(dir, candidateName(name, attempt));
        try {
          await claim(target);
          return target;
        } catch (error) {
          if (!isCode(error, 'EEXIST')) throw error;
        }
      }
      throw new SortError(`no free name in ${dir}`);
    } catch (error) {
      this.#committing = false;
      throw error;
    }
  }

  /** Links `from` to the first free name in `dir`; never replaces. */
  #linkToFreeName(from: FilePath, dir: string, name: Buffer): Promise<FilePath> {
    return this.#claimFreeName(dir, name, (target) => link(from, target));
  }

  /**
   * Where hard links are not supported: reserves the first free name with an exclusive create, then
   * renames the complete temporary file over that (own, empty) placeholder, which is atomic.
   */
  #renameToFreeName(temp: FilePath, dir: string, name: Buffer): Promise<FilePath> {
    return this.#claimFreeName(dir, name, async (target) => {
      await (await open(target, 'wx')).close();
      try {
        await rename(temp, target);
      } catch (error) {
        // The placeholder is ours and empty: no final name may keep it.
        await unlink(target).catch(() => undefined);
        throw error;
      }
    });
  }

  /** Copies `source` (its content, through links) into a temporary file in `dir`, then into place. */
  async #placeCopy(source: FilePath, dir: string, name: Buffer, verify: boolean): Promise<FilePath> {
    this.#refuseIfAbandoned();
    const temp = inDir(
      dir,
      Buffer.concat([
        Buffer.from('.'),
        name,
        Buffer.from(`.${process.pid}-${randomBytes(4).toString('hex')}.blurgate-part`),
      ]),
    );
    // Created here, synchronously on this thread, and registered in the same tick: the temporary name
    // exists only while #temp names it, so abandonSync() always removes it and nothing can bring it back
    // (copyContent opens it without O_CREAT). A copyFile queued on a busy thread pool used to create it
    // after a second Ctrl-C had unlinked it (ENOENT) and while the process was exiting: a part file left.
    closeSync(openSync(temp, 'wx', 0o600));
    this.#temp = temp;
    try {
      await copyContent(source, temp);
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
    let target: FilePath;
    try {
      const pointsTo = await realpath(source);
      target = await this.#claimFreeName(dir, name, (candidate) => symlink(pointsTo, candidate));
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
