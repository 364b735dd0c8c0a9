import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `tools/release/release.config.json`: the few facts a release needs that no package.json states. */
export interface ReleaseConfig {
  /** Name of the model under `models/` that the release ships (its newest version). */
  readonly defaultModel: string;
  /** The package whose tarball carries the default model in `<package>/models/<name>/<version>/`. */
  readonly bundleDefaultModelInto: string;
  /** Hugging Face model repo the default model is uploaded to (`--hub-repo` overrides it). */
  readonly hubRepo: string;
}

/** Reads the release config of the repository being released. */
export async function readReleaseConfig(repoRoot: string): Promise<ReleaseConfig> {
  const path = join(repoRoot, 'tools', 'release', 'release.config.json');
  return JSON.parse(await readFile(path, 'utf8')) as ReleaseConfig;
}
