import { join } from 'node:path';
import { BlurgateError, ModelError, type ModelManifest, type ModelSource, parseModelManifest } from '@blurgate/core';
import {
  type InstalledModelFolder,
  installModelFolder,
  installedModelDir,
  MANIFEST_FILE,
  MODEL_FILE,
  sha256Hex,
  userModelsDir,
} from '@blurgate/node/model-store';
import { convertCheckpoint } from '../checkpoint/index.js';
import { modelReadme } from './model-readme.js';

export type { InstalledModelFolder } from '@blurgate/node/model-store';

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
 * `README.md` into `<modelsDir>/<name>/<version>/` with the model store's `installModelFolder`, where
 * `blurgate classify --model <name>` finds it.
 *
 * The checkpoint's sha256 must match the manifest's pin (`CHECKSUM_MISMATCH` otherwise, nothing
 * installed); the folder appears atomically.
 */
export async function installModel(options: InstallModelOptions): Promise<InstalledModelFolder> {
  const { manifest, checkpoint } = options;
  const modelsDir = options.modelsDir ?? userModelsDir();
  const dir = installedModelDir(modelsDir, manifest.name, manifest.version);
  const checkpointSha256 = sha256Hex(checkpoint.bytes);
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
      sha256: sha256Hex(converted.onnx),
      preprocessing: { ...manifest.preprocessing, freqAux: converted.inputChannels === 4 ? 'core' : 'in-graph' },
      source: recordedSource(manifest.source, checkpoint, checkpointSha256),
    },
    join(dir, MANIFEST_FILE),
  );
  return installModelFolder({
    manifest: installed,
    model: converted.onnx,
    files: {
      'README.md': modelReadme(installed, {
        origin: checkpoint.origin,
        installedAt: options.installedAt ?? new Date(),
      }),
    },
    modelsDir,
    ...(options.force !== undefined && { force: options.force }),
  });
}
