import { ModelError } from '@blurgate/core';
import { DEFAULT_MODEL_NAME, resolveModel } from '../model-store.js';

/** `blurgate --version`: the package version, then the default model's name and version. */
export async function versionText(packageVersion: string): Promise<string> {
  let model: string;
  try {
    const found = await resolveModel();
    model = `default model: ${found.name} ${found.version} (${found.dir ?? found.modelPath})`;
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    model = `default model: no default model installed (${DEFAULT_MODEL_NAME}); pass --model <path-or-name>`;
  }
  return `blurgate ${packageVersion}\n${model}\n`;
}
