import { compareModelVersions, type ModelSource } from '@blurgate/core';
import { listInstalledModels, modelStoreRoots } from '@blurgate/node/model-store';

/** One model version known from a manifest in a model store root (the repo's `models/` or the user store). */
export interface KnownModel {
  readonly name: string;
  readonly version: string;
  /** True when a usable model file is installed. */
  readonly present: boolean;
  /** The folder of the installed model, else of the manifest describing it. */
  readonly dir: string;
  /** e.g. `huggingface bradduy/MagikaDocumentFromPixel best.pt @ unpinned`, or `@ <commit>, sha256 <first 12 hex>…` */
  readonly source: string;
  /** Why it cannot be used yet (e.g. not downloaded), or null. */
  readonly problem: string | null;
}

/** A one-line description of where a model's weights come from. */
export function describeSource(source: ModelSource): string {
  if (source.kind === 'huggingface') {
    const sha = source.sha256 ? `, sha256 ${source.sha256.slice(0, 12)}…` : '';
    return `huggingface ${source.repo} ${source.file} @ ${source.revision ?? 'unpinned'}${sha}`;
  }
  return `training ${source.recipe}`;
}

/** Every model version with a manifest in the store roots, merged by name@version, newest version first. */
export async function listKnownModels(roots: readonly string[] = modelStoreRoots()): Promise<KnownModel[]> {
  const byKey = new Map<string, KnownModel>();
  for (const entry of await listInstalledModels({ roots })) {
    const key = `${entry.name}@${entry.version}`;
    const present = entry.problem === null && entry.manifest !== null;
    const model: KnownModel = {
      name: entry.name,
      version: entry.version,
      present,
      dir: entry.dir,
      source: entry.manifest ? describeSource(entry.manifest.source) : 'unknown (invalid manifest)',
      problem: entry.problem,
    };
    const seen = byKey.get(key);
    // The first root wins, unless a later one has the model and the first does not.
    if (!seen || (!seen.present && present)) byKey.set(key, model);
  }
  return [...byKey.values()].sort((a, b) => a.name.localeCompare(b.name) || compareModelVersions(b.version, a.version));
}
