import { mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { exec } from './exec.js';
import { ReleaseError } from './release-error.js';
import { sha256File } from './node-api.js';
import type { PublishablePackage } from './workspace.js';

/** One packed tarball under `releases/<version>/`. */
export interface PackedTarball {
  readonly packageName: string;
  readonly version: string;
  /** File name inside `releases/<version>/`. */
  readonly file: string;
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  /** Paths inside the package (without the `package/` prefix). */
  readonly files: readonly string[];
}

interface PnpmPackJson {
  readonly filename?: string;
  readonly files?: readonly { readonly path: string }[];
}

/**
 * Packs one package with `pnpm pack` (which rewrites `workspace:*` to real versions and applies `files`).
 * pnpm's `--json` output gives the tarball and its file list.
 */
export async function packPackage(pkg: PublishablePackage, destination: string): Promise<PackedTarball> {
  await mkdir(destination, { recursive: true });
  const { stdout } = await exec('pnpm', ['pack', '--json', '--pack-destination', destination], { cwd: pkg.dir });
  let parsed: PnpmPackJson;
  try {
    parsed = JSON.parse(stdout.slice(stdout.indexOf('{'))) as PnpmPackJson;
  } catch {
    throw new ReleaseError(`could not read pnpm pack's JSON output for ${pkg.name}:\n${stdout}`);
  }
  if (!parsed.filename) throw new ReleaseError(`pnpm pack did not name a tarball for ${pkg.name}`);
  const path = parsed.filename.startsWith('/') ? parsed.filename : join(destination, basename(parsed.filename));
  return {
    packageName: pkg.name,
    version: pkg.version,
    file: basename(path),
    path,
    sha256: await sha256File(path),
    size: (await stat(path)).size,
    files: (parsed.files ?? []).map((f) => f.path),
  };
}

/** Stops the release when a tarball lacks files it must carry (e.g. the bundled default model). */
export function assertTarballHas(tarball: PackedTarball, required: readonly string[], hint: string): void {
  const missing = required.filter((f) => !tarball.files.includes(f));
  if (missing.length > 0) {
    throw new ReleaseError(`${tarball.file} lacks ${missing.join(', ')}; ${hint}`);
  }
}
