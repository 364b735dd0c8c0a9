import { readFile } from 'node:fs/promises';
import { ModelError } from '@blurgate/core';
import { DEFAULT_MODEL_NAME, resolveModel, sha256Hex } from '../model-store.js';

/**
 * `blurgate --version`: the package version, then the default model's name, version and sha256, so a
 * verdict can be traced to the exact model file that gave it.
 */
export async function versionText(packageVersion: string): Promise<string> {
  let model: string;
  try {
    const found = await resolveModel();
    // The manifest's sha256 is checked against the file whenever the model is loaded; a bare file is hashed.
    const sha256 = found.manifest?.sha256 ?? sha256Hex(await readFile(found.modelPath));
    model = `default model: ${found.name} ${found.version} sha256 ${sha256} (${found.dir ?? found.modelPath})`;
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    model = `default model: no default model installed (${DEFAULT_MODEL_NAME}); pass --model <path-or-name>`;
  }
  return `blurgate ${packageVersion}\n${model}\n`;
}
