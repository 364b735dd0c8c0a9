import { createHash } from 'node:crypto';
import { constants, createReadStream, existsSync } from 'node:fs';
import { copyFile, link, mkdir, unlink } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

export type SortMode = 'copy' | 'move';

/** `name.jpg`, then `name-1.jpg`, `name-2.jpg`, ... */
function candidateName(file: string, attempt: number): string {
  if (attempt === 0) return file;
  const ext = extname(file);
  return `${basename(file, ext)}-${attempt}${ext}`;
}

const MAX_ATTEMPTS = 10_000;

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return codes.includes(String((error as NodeJS.ErrnoException)?.code));
}

/**
 * Copies or moves files into `<root>/<label>/`, never overwriting (a taken name becomes `name-1.ext`,
 * `name-2.ext`, ...) and never losing a file: a move is a hard link then unlink, or across devices
 * a copy, a sha256 check of the copy, then unlink; any failure leaves the source where it was.
 * With `dryRun`, names are planned (taken names on disk and earlier plans avoided) and nothing is touched.
 */
export class FileSorter {
  readonly #root: string;
  readonly #mode: SortMode;
  readonly #dryRun: boolean;
  readonly #planned = new Set<string>();

  constructor(root: string, mode: SortMode, dryRun: boolean) {
    this.#root = root;
    this.#mode = mode;
    this.#dryRun = dryRun;
  }

  /** Places one file; returns where it went (or would go). Throws with a readable message on failure. */
  async place(source: string, label: string): Promise<string> {
    const dir = join(this.#root, label);
    const name = basename(source);
    if (this.#dryRun) {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const target = join(dir, candidateName(name, attempt));
        if (!this.#planned.has(target) && !existsSync(target)) {
          this.#planned.add(target);
          return target;
        }
      }
      throw new Error(`${source}: no free name in ${dir}`);
    }
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new Error(`${source}: cannot create ${dir} (${(error as Error).message}); the source is unchanged`);
    }
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const target = join(dir, candidateName(name, attempt));
      try {
        if (this.#mode === 'copy') {
          // COPYFILE_EXCL: fails instead of overwriting, atomically.
          await copyFile(source, target, constants.COPYFILE_EXCL);
        } else {
          await this.#move(source, target);
        }
        return target;
      } catch (error) {
        if (isCode(error, 'EEXIST')) continue;
        throw new Error(`${source}: cannot ${this.#mode} to ${target} (${(error as Error).message}); the source is unchanged`);
      }
    }
    throw new Error(`${source}: no free name in ${dir}`);
  }

  async #move(source: string, target: string): Promise<void> {
    try {
      // link() never replaces an existing file (EEXIST), unlike rename().
      await link(source, target);
      await unlink(source);
      return;
    } catch (error) {
      if (!isCode(error, 'EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK')) throw error;
    }
    await copyFile(source, target, constants.COPYFILE_EXCL);
    const [a, b] = await Promise.all([sha256OfFile(source), sha256OfFile(target)]);
    if (a !== b) {
      await unlink(target).catch(() => undefined);
      throw new Error('the copy does not match the source');
    }
    await unlink(source);
  }
}
