import { cp, mkdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ReleaseError } from './release-error.js';
import { sha256File } from './node-api.js';
import type { ModelFolder } from './shipped-models.js';

/**
 * The folder inside a package that holds bundled models, `<package>/models/<name>/<version>/`: the last place
 * `@blurgate/node`'s model store looks, so an installed package finds its default model with no network.
 * It is build output (git-ignored), written by the release right before packing.
 */
export function bundledModelsDir(packageDir: string): string {
  return join(packageDir, 'models');
}

/** Copies the default model folder into the package and checks the copy's sha256 against the manifest. */
export async function bundleDefaultModel(packageDir: string, model: ModelFolder): Promise<string> {
  const target = join(bundledModelsDir(packageDir), model.name, model.version);
  await rm(bundledModelsDir(packageDir), { recursive: true, force: true });
  await mkdir(target, { recursive: true });
  await cp(model.dir, target, { recursive: true });
  if (model.manifest.file !== null) {
    const copied = join(target, model.manifest.file);
    const actual = await sha256File(copied);
    if (actual !== model.manifest.sha256) {
      throw new ReleaseError(
        `the bundled copy ${relative(packageDir, copied)} has sha256 ${actual}, expected ${model.manifest.sha256}`,
      );
    }
  }
  return target;
}

/** Removes the bundled models again, so the work tree is left as the release found it. */
export async function removeBundledModels(packageDir: string): Promise<void> {
  await rm(bundledModelsDir(packageDir), { recursive: true, force: true });
}
