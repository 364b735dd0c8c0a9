import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ModelManifest } from '@blurgate/core';
import type { CoreReleaseApi } from './core-api.js';
import { ReleaseError } from './release-error.js';
import { sha256File } from './node-api.js';

/** One `models/<name>/<version>/` folder. */
export interface ModelFolder {
  readonly name: string;
  readonly version: string;
  /** Absolute folder. */
  readonly dir: string;
  readonly manifest: ModelManifest;
  /** Absolute path of the model file, or null for a model that is pulled from the Hub, not shipped. */
  readonly modelPath: string | null;
  /** Absolute path of the model card, or null when the folder has none. */
  readonly cardPath: string | null;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** Every `models/<name>/<version>/manifest.json` of the repository, validated with core's parser. */
export async function listModelFolders(repoRoot: string, core: CoreReleaseApi): Promise<ModelFolder[]> {
  const modelsDir = join(repoRoot, 'models');
  const folders: ModelFolder[] = [];
  for (const name of await subfolders(modelsDir)) {
    for (const version of await subfolders(join(modelsDir, name))) {
      const dir = join(modelsDir, name, version);
      const manifestPath = join(dir, 'manifest.json');
      if (!(await isFile(manifestPath))) continue;
      const where = relative(repoRoot, manifestPath);
      let json: unknown;
      try {
        json = JSON.parse(await readFile(manifestPath, 'utf8'));
      } catch (error) {
        throw new ReleaseError(`${where} is not valid JSON: ${(error as Error).message}`);
      }
      const manifest = core.parseModelManifest(json, where);
      if (manifest.name !== name || manifest.version !== version) {
        throw new ReleaseError(
          `${where} says ${manifest.name}@${manifest.version} but sits in models/${name}/${version}/; the folder must match the manifest`,
        );
      }
      const cardPath = join(dir, 'README.md');
      folders.push({
        name,
        version,
        dir,
        manifest,
        modelPath: manifest.file === null ? null : join(dir, manifest.file),
        cardPath: (await isFile(cardPath)) ? cardPath : null,
      });
    }
  }
  return folders;
}

/**
 * Verifies the sha256 of every shipped model file against its manifest and that core supports its major.
 * A tampered or replaced file stops the release with an error naming the file.
 */
export async function verifyShippedModels(
  repoRoot: string,
  models: readonly ModelFolder[],
  core: Pick<CoreReleaseApi, 'SUPPORTED_MODEL_MAJORS' | 'modelVersionMajor' | 'isLocalModelVersion'>,
): Promise<void> {
  const supportedMajors = core.SUPPORTED_MODEL_MAJORS;
  for (const model of models) {
    if (model.modelPath === null) continue;
    const shown = relative(repoRoot, model.modelPath);
    if (!(await isFile(model.modelPath))) {
      throw new ReleaseError(`${shown} is missing but ${relative(repoRoot, model.dir)}/manifest.json names it`);
    }
    const actual = await sha256File(model.modelPath);
    if (actual !== model.manifest.sha256) {
      throw new ReleaseError(
        `sha256 mismatch for ${shown}: the manifest says ${model.manifest.sha256}, the file is ${actual}. ` +
          'The model file was changed after its manifest was written; restore it or re-export the model and its manifest.',
      );
    }
    if (core.isLocalModelVersion(model.version)) {
      throw new ReleaseError(
        `${model.name}@${model.version} is a local, unreleased model (version tag -local); give it a release version before shipping it`,
      );
    }
    const major = core.modelVersionMajor(model.version);
    if (!supportedMajors.includes(major)) {
      throw new ReleaseError(
        `${model.name}@${model.version} has major ${major}, which @blurgate/core does not support (SUPPORTED_MODEL_MAJORS = [${supportedMajors.join(', ')}])`,
      );
    }
  }
}

/** The newest shipped version of the named model: the one the release bundles and uploads. */
export function defaultModelFolder(
  models: readonly ModelFolder[],
  name: string,
  core: Pick<CoreReleaseApi, 'compareModelVersions'>,
): ModelFolder {
  const candidates = models
    .filter((m) => m.name === name && m.modelPath !== null)
    .sort((a, b) => core.compareModelVersions(b.version, a.version));
  const newest = candidates[0];
  if (!newest) {
    throw new ReleaseError(
      `the default model ${name} has no shipped version under models/${name}/ (a folder with manifest.json and its model file)`,
    );
  }
  return newest;
}
