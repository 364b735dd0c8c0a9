import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BlurgateError,
  ModelError,
  type ModelManifest,
  type ModelSource,
  OptionError,
  parseModelManifest,
} from '@blurgate/core';
import { userModelsDir } from '@blurgate/node';
import { convertCheckpoint } from '../checkpoint/index.js';
import { modelReadme } from './model-readme.js';
import { sha256Bytes } from './sha256.js';

/** What `installModel` needs from a converter; `convertCheckpoint` by default (tests may pass a stub). */
export type CheckpointConverter = (
  bytes: Uint8Array,
  options: { freqAuxInGraph?: boolean },
) => Promise<{ onnx: Uint8Array; architecture: string; inputChannels: 3 | 4 }>;

/** A checkpoint to install, and where it came from. */
export interface CheckpointToInstall {
  readonly bytes: Uint8Array;
  /** The commit it was downloaded at, or null when unknown (a local file). */
  readonly revision: string | null;
  /** For the README: a URL or a path. */
  readonly origin: string;
}

export interface InstallModelOptions {
  /** The manifest describing the model (from the repo's `models/`; `file` may be null). */
  readonly manifest: ModelManifest;
  readonly checkpoint: CheckpointToInstall;
  /** Model store root; default the user store (`$BLURGATE_HOME/models`, else `~/.cache/blurgate/models`). */
  readonly modelsDir?: string;
  /** Replace an installed copy of the same version. */
  readonly force?: boolean;
  /** Export FreqAux inside the graph (3-channel model) instead of computing it in core. */
  readonly freqAuxInGraph?: boolean;
  readonly convert?: CheckpointConverter;
  /** For the README; default now. */
  readonly installedAt?: Date;
}

export interface InstalledModelFolder {
  readonly name: string;
  readonly version: string;
  /** `<modelsDir>/<name>/<version>` */
  readonly dir: string;
  readonly modelPath: string;
  /** The manifest written next to the model. */
  readonly manifest: ModelManifest;
}

export const MODEL_FILE = 'model.onnx';


/** `<modelsDir>/<name>/<version>`, refusing names that would escape the store. */
export function installedModelDir(modelsDir: string, name: string, version: string): string {
  const safe = /^[a-z0-9][a-z0-9._-]*$/;
  if (!safe.test(name) || !safe.test(version) || name.includes('..') || version.includes('..')) {
    throw new ModelError('INVALID_MANIFEST', `model name "${name}" or version "${version}" is not a safe folder name`);
  }
  return join(modelsDir, name, version);
}

/** The source block of the installed manifest: what was pinned, else what the pull actually got. */
function recordedSource(source: ModelSource, checkpoint: CheckpointToInstall, sha256: string): ModelSource {
  if (source.kind === 'huggingface') {
    return { ...source, revision: source.revision ?? checkpoint.revision, sha256: source.sha256 ?? sha256 };
  }
  return { ...source, checkpointSha256: source.checkpointSha256 ?? sha256 };
}

function pinnedSha256(source: ModelSource): string | null {
  return (source.kind === 'huggingface' ? source.sha256 : source.checkpointSha256)?.toLowerCase() ?? null;
}

/**
 * Converts a checkpoint with `convertCheckpoint` and installs `model.onnx`, `manifest.json` and a
 * `README.md` into `<modelsDir>/<name>/<version>/`, where `blurgate classify --model <name>` finds it.
 *
 * The checkpoint's sha256 must match the manifest's pin (`CHECKSUM_MISMATCH` otherwise, nothing
 * installed). The folder appears atomically: it is written to a staging folder in the store and renamed.
 */
export async function installModel(options: InstallModelOptions): Promise<InstalledModelFolder> {
  const { manifest, checkpoint } = options;
  const modelsDir = options.modelsDir ?? userModelsDir();
  const dir = installedModelDir(modelsDir, manifest.name, manifest.version);
  if (existsSync(dir) && !options.force) {
    throw new OptionError(`${manifest.name}@${manifest.version} is already installed at ${dir}; pass force to replace it`);
  }

  const checkpointSha256 = sha256Bytes(checkpoint.bytes);
  const pinned = pinnedSha256(manifest.source);
  if (pinned !== null && pinned !== checkpointSha256) {
    throw new BlurgateError(
      'CHECKSUM_MISMATCH',
      `checkpoint ${checkpoint.origin} has sha256 ${checkpointSha256} but the manifest of ` +
        `${manifest.name}@${manifest.version} pins ${pinned}; nothing was installed`,
    );
  }

  const convert = options.convert ?? convertCheckpoint;
  const converted = await convert(checkpoint.bytes, { freqAuxInGraph: options.freqAuxInGraph ?? false });
  if (converted.architecture !== manifest.architecture) {
    throw new ModelError(
      'UNSUPPORTED_MODEL',
      `checkpoint ${checkpoint.origin} is a ${converted.architecture} but the manifest of ` +
        `${manifest.name}@${manifest.version} says ${manifest.architecture}; nothing was installed`,
    );
  }

  const installed = parseModelManifest(
    {
      ...manifest,
      inputChannels: converted.inputChannels,
      file: MODEL_FILE,
      sha256: sha256Bytes(converted.onnx),
      preprocessing: { ...manifest.preprocessing, freqAux: converted.inputChannels === 4 ? 'core' : 'in-graph' },
      source: recordedSource(manifest.source, checkpoint, checkpointSha256),
    },
    join(dir, 'manifest.json'),
  );

  // Staging folders sit at the store's top level, holding files directly: a store listing
  // (`<root>/<name>/<version>/manifest.json`) never mistakes one for a model, even after a crash.
  await mkdir(join(modelsDir, manifest.name), { recursive: true });
  const suffix = `${manifest.name}-${manifest.version}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(modelsDir, `.installing-${suffix}`);
  const old = join(modelsDir, `.replaced-${suffix}`);
  try {
    await mkdir(temp);
    await writeFile(join(temp, MODEL_FILE), converted.onnx);
    await writeFile(join(temp, 'manifest.json'), `${JSON.stringify(installed, null, 2)}\n`);
    await writeFile(
      join(temp, 'README.md'),
      modelReadme(installed, { origin: checkpoint.origin, installedAt: options.installedAt ?? new Date() }),
    );
    if (existsSync(dir)) await rename(dir, old);
    await rename(temp, dir);
  } catch (error) {
    // Put a replaced copy back if the new one did not make it.
    if (!existsSync(dir) && existsSync(old)) await rename(old, dir);
    throw error;
  } finally {
    await rm(temp, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
  return { name: installed.name, version: installed.version, dir, modelPath: join(dir, MODEL_FILE), manifest: installed };
}
