import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { BlurgateError, type ModelManifest, type ModelSource, parseModelManifest } from '@blurgate/core';
import { MANIFEST_FILE, sha256Hex } from '@blurgate/node/model-store';
import { DEFAULT_CHECKPOINT_LIMITS, checkpointLimit } from './checkpoint-limits.js';
import { type ConvertOptions, type ConvertedModel, convertCheckpoint } from './convert-checkpoint.js';
import { convertedModelManifest } from './converted-manifest.js';

export interface ConvertFileOptions extends ConvertOptions {
  readonly name?: string;
  readonly version?: string;
  /** Where the checkpoint came from; default `{kind: 'training', recipe: 'converted from <file>'}`. */
  readonly source?: ModelSource;
}

export interface ConvertedFiles {
  readonly converted: ConvertedModel;
  readonly onnxPath: string;
  readonly manifestPath: string;
  readonly manifest: ModelManifest;
  readonly checkpointSha256: string;
}

/** Writes `bytes` to `path` through a temporary sibling and a rename, so `path` is never half-written. */
async function writeAtomically(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Refuses to write a manifest over one that describes another model file: each converted model keeps its
 * own identity (a folder holds one model, as in the model store). Re-converting the same file is fine.
 */
async function assertManifestIsFree(manifestPath: string, onnxPath: string): Promise<void> {
  if (!existsSync(manifestPath)) return;
  let describes: string | null = null;
  let identity = 'an unreadable manifest';
  try {
    const existing = parseModelManifest(await readFile(manifestPath, 'utf8'), manifestPath);
    describes = existing.file === null ? null : resolve(dirname(manifestPath), existing.file);
    identity = `${existing.name} ${existing.version}, ${existing.file ?? 'no file'}`;
  } catch {
    describes = null;
  }
  if (describes === resolve(onnxPath)) return;
  throw new BlurgateError(
    'CONVERSION_FAILED',
    `${manifestPath} already describes another model (${identity}); nothing was written. ` +
      `Convert each model into its own folder (e.g. --out another-folder/${basename(onnxPath)}), or remove that manifest first`,
  );
}

/**
 * Converts the checkpoint at `checkpointPath` to `onnxPath` and writes `manifest.json` next to it (both
 * atomically). The manifest records the checkpoint's sha256 in its source; its version defaults to
 * `0.0.0-local`, a local, unreleased model that `blurgate classify` runs (with a notice).
 *
 * @param checkpointPath - the PyTorch checkpoint (`torch.save` state dict), e.g. `best.pt`.
 * @param onnxPath - the ONNX file to write; `manifest.json` goes in the same folder.
 * @param options - FreqAux placement, name, version and source for the manifest.
 * @returns what was converted and written.
 * @throws {@link BlurgateError} `CONVERSION_FAILED` when the folder's `manifest.json` describes another model
 *   file (nothing is written), or the conversion's own errors (`UNSAFE_CHECKPOINT`, ...).
 */
export async function convertCheckpointFile(
  checkpointPath: string,
  onnxPath: string,
  options: ConvertFileOptions = {},
): Promise<ConvertedFiles> {
  const manifestPath = join(dirname(onnxPath), MANIFEST_FILE);
  await assertManifestIsFree(manifestPath, onnxPath);
  // A checkpoint larger than what may be inflated cannot be read within the limits: refuse it unread.
  const maxBytes = options.limits?.maxInflatedBytes ?? DEFAULT_CHECKPOINT_LIMITS.maxInflatedBytes;
  const { size } = await stat(checkpointPath);
  if (size > maxBytes)
    throw checkpointLimit(
      `${basename(checkpointPath)} is ${size} bytes, more than the ${maxBytes} bytes it may inflate to`,
    );
  const bytes = new Uint8Array(await readFile(checkpointPath));
  const checkpointSha256 = sha256Hex(bytes);
  const converted = await convertCheckpoint(bytes, options);
  const source: ModelSource =
    options.source?.kind === 'huggingface'
      ? { ...options.source, sha256: options.source.sha256 ?? checkpointSha256 }
      : (options.source ?? {
          kind: 'training',
          recipe: `converted from ${basename(checkpointPath)}`,
          checkpointSha256,
        });
  const manifest = convertedModelManifest(converted, {
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.version === undefined ? {} : { version: options.version }),
    file: basename(onnxPath),
    sha256: sha256Hex(converted.onnx),
    source,
  });
  await mkdir(dirname(onnxPath), { recursive: true });
  await writeAtomically(onnxPath, converted.onnx);
  await writeAtomically(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { converted, onnxPath, manifestPath, manifest, checkpointSha256 };
}
