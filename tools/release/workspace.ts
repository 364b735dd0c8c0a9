import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReleaseError } from './release-error.js';

/** The fields of a package.json the release reads. */
export interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly repository?: unknown;
  readonly files?: readonly string[];
  readonly publishConfig?: { readonly access?: string; readonly provenance?: boolean };
  readonly dependencies?: Readonly<Record<string, string>>;
}

/** A workspace package that is published to npm. */
export interface PublishablePackage {
  readonly name: string;
  readonly version: string;
  /** Absolute folder of the package. */
  readonly dir: string;
  readonly manifest: PackageJson;
}

/** Every non-private package under `packages/`, sorted by name. */
export async function listPublishablePackages(repoRoot: string): Promise<PublishablePackage[]> {
  const packagesDir = join(repoRoot, 'packages');
  const entries = await readdir(packagesDir, { withFileTypes: true });
  const found: PublishablePackage[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = join(packagesDir, entry.name);
    let manifest: PackageJson;
    try {
      manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
    } catch {
      continue;
    }
    if (manifest.private) continue;
    found.push({ name: manifest.name, version: manifest.version, dir, manifest });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The one version of a release. The packages are versioned as a fixed group by changesets, so they must all
 * carry the same version; anything else means `changeset version` was bypassed.
 */
export function releaseVersion(packages: readonly PublishablePackage[]): string {
  if (packages.length === 0) throw new ReleaseError('no publishable package found under packages/');
  const versions = new Set(packages.map((p) => p.version));
  if (versions.size !== 1) {
    const list = packages.map((p) => `${p.name}@${p.version}`).join(', ');
    throw new ReleaseError(
      `the publishable packages must share one version (fixed group in .changeset/config.json), found ${list}; run \`pnpm changeset version\``,
    );
  }
  return packages[0]!.version;
}

/**
 * Metadata npm provenance and a registry page need. Missing fields are returned as human-readable lines
 * (the release reports them; a real publish refuses them).
 */
export function missingPublishMetadata(pkg: PublishablePackage): string[] {
  const missing: string[] = [];
  const m = pkg.manifest;
  if (!m.license) missing.push(`${pkg.name}: package.json has no "license"`);
  if (!m.repository) {
    missing.push(`${pkg.name}: package.json has no "repository" (provenance checks it against the source repo)`);
  }
  if (m.publishConfig?.access !== 'public') {
    missing.push(
      `${pkg.name}: package.json lacks "publishConfig": {"access": "public"} (scoped packages default to restricted)`,
    );
  }
  return missing;
}
