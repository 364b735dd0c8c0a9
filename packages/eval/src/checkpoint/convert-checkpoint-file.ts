import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ModelManifest, ModelSource } from '@blurgate/core';
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

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

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
 * Converts the checkpoint at `checkpointPath` to `onnxPath` and writes `manifest.json` next to it
 * (both atomically). The manifest records the checkpoint's sha256 in its source.
 */
export async function convertCheckpointFile(checkpointPath: string, onnxPath: string, options: ConvertFileOptions = {}): Promise<ConvertedFiles> {
  // A checkpoint larger than what may be inflated cannot be read within the limits: refuse it unread.
  const maxBytes = options.limits?.maxInflatedBytes ?? DEFAULT_CHECKPOINT_LIMITS.maxInflatedBytes;
  const { size } = await stat(checkpointPath);
  if (size > maxBytes) throw checkpointLimit(`${basename(checkpointPath)} is ${size} bytes, more than the ${maxBytes} bytes it may inflate to`);
  const bytes = new Uint8Array(await readFile(checkpointPath));
  const checkpointSha256 = sha256(bytes);
  const converted = await convertCheckpoint(bytes, options);
  const source: ModelSource =
    options.source?.kind === 'huggingface'
      ? { ...options.source, sha256: options.source.sha256 ?? checkpointSha256 }
      : options.source ?? { kind: 'training', recipe: `converted from ${basename(checkpointPath)}`, checkpointSha256 };
  const manifest = convertedModelManifest(converted, {
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.version === undefined ? {} : { version: options.version }),
    file: basename(onnxPath),
    sha256: sha256(converted.onnx),
    source,
  });
  const manifestPath = join(dirname(onnxPath), 'manifest.json');
  await mkdir(dirname(onnxPath), { recursive: true });
  await writeAtomically(onnxPath, converted.onnx);
  await writeAtomically(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { converted, onnxPath, manifestPath, manifest, checkpointSha256 };
}
