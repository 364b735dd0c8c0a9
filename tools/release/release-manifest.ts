import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A model as the release records it. */
export interface ReleasedModel {
  readonly name: string;
  readonly version: string;
  readonly major: number;
  /** Model file name in its folder, or null for a manifest of a model pulled from the Hub. */
  readonly file: string | null;
  /** sha256 of the model file (verified against the file by the release), or null when not shipped. */
  readonly sha256: string | null;
  /** The default model: bundled into a package and uploaded to the Hub. */
  readonly default: boolean;
  /** Packages whose tarball carries this model. */
  readonly bundledIn: readonly string[];
}

/** A package as the release records it. */
export interface ReleasedPackage {
  readonly name: string;
  readonly version: string;
  /** Tarball file name under `releases/<version>/`. */
  readonly tarball: string;
  readonly sha256: string;
  readonly size: number;
  /** Model majors this package works with (core's SUPPORTED_MODEL_MAJORS, which every package runs through). */
  readonly supportedModelMajors: readonly number[];
  /** The model the tarball carries, if any. */
  readonly bundledModel: { readonly name: string; readonly version: string; readonly sha256: string } | null;
}

/** `releases/<version>.json`: what a release is made of, enough to reproduce and to check it. */
export interface ReleaseManifest {
  readonly schemaVersion: 1;
  readonly version: string;
  /** When the release was prepared (ISO 8601). */
  readonly date: string;
  readonly git: { readonly commit: string; readonly commitDate: string; readonly tag: string };
  readonly supportedModelMajors: readonly number[];
  readonly defaultModel: { readonly name: string; readonly version: string; readonly sha256: string };
  readonly packages: readonly ReleasedPackage[];
  readonly models: readonly ReleasedModel[];
  readonly builtWith: { readonly node: string; readonly pnpm: string };
}

/** Writes the manifest as stable, indented JSON. */
export async function writeReleaseManifest(path: string, manifest: ReleaseManifest): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
}
