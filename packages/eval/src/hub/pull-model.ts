import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type ModelManifest, OptionError } from '@blurgate/core';
import {
  type FoundManifest,
  findModelManifest,
  installedModelDir,
  MANIFEST_FILE,
  readModelManifest,
  userModelsDir,
} from '@blurgate/node/model-store';
import { type CheckpointConverter, type InstalledModelFolder, installModel } from './install-model.js';
import { type PullCheckpointOptions, type PulledCheckpoint, pullCheckpoint } from './pull-checkpoint.js';

export type { FoundManifest } from '@blurgate/node/model-store';

/** Download options are {@link PullCheckpointOptions}'s; the repo, file and pins come from the manifest. */
export interface PullModelOptions
  extends Pick<
    PullCheckpointOptions,
    'hubUrl' | 'cacheDir' | 'accessToken' | 'onProgress' | 'attempts' | 'retryDelayMs' | 'offline'
  > {
  /** Branch, tag or commit to pull instead of the manifest's (a different revision drops its sha256 pin). */
  readonly revision?: string;
  /** Install from this local checkpoint instead of downloading (checked against a pinned sha256). */
  readonly checkpointPath?: string;
  /** Reinstall even when this version is already installed. */
  readonly force?: boolean;
  /** Where to install; default the user store (`$BLURGATE_HOME/models`, else `~/.cache/blurgate/models`). */
  readonly modelsDir?: string;
  /** Where to look up manifests by name; default the model store's `modelStoreRoots()` (a checkout's `models/` via `BLURGATE_MODELS_DIR`). */
  readonly roots?: readonly string[];
  readonly freqAuxInGraph?: boolean;
  readonly convert?: CheckpointConverter;
}

export interface PullModelResult {
  readonly status: 'installed' | 'already-installed';
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  readonly manifest: ModelManifest;
  /** The downloaded (or cached) checkpoint; null for `--checkpoint` installs and no-ops. */
  readonly checkpoint: PulledCheckpoint | null;
}

async function installedManifest(dir: string): Promise<ModelManifest | null> {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  const manifest = await readModelManifest(path, false);
  return manifest.file !== null && existsSync(join(dir, manifest.file)) ? manifest : null;
}

/**
 * Pulls a model described by a manifest: downloads its checkpoint from the Hugging Face Hub into the
 * standard cache (or takes `checkpointPath`), verifies the sha256, converts it to ONNX and installs it in
 * the user model store, where `blurgate classify --model <name>` finds it. A version already installed is
 * left alone unless `force`.
 */
export async function pullModel(
  nameOrManifest: string | ModelManifest,
  options: PullModelOptions = {},
): Promise<PullModelResult> {
  const found: FoundManifest | null =
    typeof nameOrManifest === 'string'
      ? await findModelManifest(nameOrManifest, options.roots ? { roots: options.roots } : {})
      : null;
  const manifest = found?.manifest ?? (nameOrManifest as ModelManifest);
  const modelsDir = options.modelsDir ?? userModelsDir();
  const dir = installedModelDir(modelsDir, manifest.name, manifest.version);
  const done = (
    status: PullModelResult['status'],
    model: InstalledModelFolder | { dir: string; manifest: ModelManifest },
    checkpoint: PulledCheckpoint | null,
  ): PullModelResult => ({
    status,
    name: manifest.name,
    version: manifest.version,
    dir: model.dir,
    manifest: model.manifest,
    checkpoint,
  });

  if (!options.force) {
    // Found by name in a store root with its model file (e.g. a model shipped in the repo): nothing to pull.
    if (found?.present) return done('already-installed', { dir: found.dir, manifest }, null);
    const present = await installedManifest(dir);
    if (present) return done('already-installed', { dir, manifest: present }, null);
  }

  const common = {
    manifest,
    modelsDir,
    force: true,
    ...(options.freqAuxInGraph !== undefined && { freqAuxInGraph: options.freqAuxInGraph }),
    ...(options.convert && { convert: options.convert }),
  };

  if (options.checkpointPath) {
    const path = resolve(options.checkpointPath);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      throw new OptionError(`cannot read the checkpoint ${path}: ${(cause as Error).message}`, { cause });
    }
    const revision = manifest.source.kind === 'huggingface' ? manifest.source.revision : null;
    const installed = await installModel({ ...common, checkpoint: { bytes, revision, origin: path } });
    return done('installed', installed, null);
  }

  const source = manifest.source;
  if (source.kind !== 'huggingface') {
    throw new OptionError(
      `${manifest.name}@${manifest.version} is not on the Hugging Face Hub (it comes from ${source.recipe}); ` +
        'pass its checkpoint with --checkpoint path/to/best.pt',
    );
  }
  // Pulling another revision than the pinned one: the pinned sha256 no longer applies, and the
  // installed manifest records the commit and sha256 actually pulled.
  const overridden = options.revision !== undefined && options.revision !== source.revision;
  const effective = overridden ? { ...source, revision: null, sha256: null } : source;
  const pulled = await pullCheckpoint({
    repo: source.repo,
    file: source.file,
    revision: overridden ? options.revision : source.revision,
    sha256: effective.sha256,
    ...(options.hubUrl !== undefined && { hubUrl: options.hubUrl }),
    ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
    ...(options.accessToken !== undefined && { accessToken: options.accessToken }),
    ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
    ...(options.attempts !== undefined && { attempts: options.attempts }),
    ...(options.retryDelayMs !== undefined && { retryDelayMs: options.retryDelayMs }),
    ...(options.offline !== undefined && { offline: options.offline }),
    offlineHint: `For example: blurgate-eval models pull ${manifest.name} --checkpoint path/to/${basename(source.file)}`,
  });
  const bytes = await readFile(pulled.path);
  const installed = await installModel({
    ...common,
    manifest: { ...manifest, source: effective },
    checkpoint: { bytes, revision: pulled.revision, origin: pulled.url },
  });
  return done('installed', installed, pulled);
}
