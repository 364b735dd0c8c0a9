import { rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { bundleDefaultModel, removeBundledModels } from './bundle-default-model.js';
import { loadCoreReleaseApi } from './core-api.js';
import { exec } from './exec.js';
import { assertCleanWorkTree, headCommit } from './git.js';
import { regenerateCardFile } from './model-card.js';
import { type PackedTarball, assertTarballHas, packPackage } from './pack-packages.js';
import { readReleaseConfig } from './release-config.js';
import { ReleaseError } from './release-error.js';
import { type ReleaseManifest, writeReleaseManifest } from './release-manifest.js';
import { type ModelFolder, defaultModelFolder, listModelFolders, verifyShippedModels } from './shipped-models.js';
import {
  type PublishablePackage,
  listPublishablePackages,
  missingPublishMetadata,
  releaseVersion,
} from './workspace.js';

export interface PrepareReleaseOptions {
  readonly repoRoot: string;
  /** Skip `pnpm test` (only for the release's own tests, which run in a throw-away clone). */
  readonly skipTests?: boolean;
  /** Where `<version>.json` and `<version>/` go; default `<repoRoot>/releases`. */
  readonly outDir?: string;
  /** Keep the bundled model in the package after packing (publishing packs again); call `cleanup()` later. */
  readonly keepBundle?: boolean;
  readonly log: (line: string) => void;
}

export interface PreparedRelease {
  readonly manifest: ReleaseManifest;
  readonly manifestPath: string;
  readonly tarballDir: string;
  readonly defaultModel: ModelFolder;
  readonly packages: readonly PublishablePackage[];
  /** Publish-metadata gaps (license, repository, publishConfig), one line each. */
  readonly metadataWarnings: readonly string[];
  /** Removes the bundled model from the package folder. */
  cleanup(): Promise<void>;
}

/** Builds the publishable packages (and their dependencies) with turbo. */
export async function buildPackages(repoRoot: string, packages: readonly PublishablePackage[]): Promise<void> {
  const filters = packages.flatMap((p) => ['--filter', `${p.name}...`]);
  await exec('pnpm', ['turbo', 'run', 'build', ...filters, '--output-logs=errors-only'], { cwd: repoRoot });
}

/**
 * Regenerates every model card's metrics section from its manifest. Returns the cards that changed: a release
 * must ship the cards that are committed, so a changed card stops it until committed.
 */
export async function regenerateModelCards(repoRoot: string, models: readonly ModelFolder[]): Promise<string[]> {
  const changed: string[] = [];
  for (const model of models) {
    if (model.cardPath && (await regenerateCardFile(model.cardPath, model.manifest))) {
      changed.push(relative(repoRoot, model.cardPath));
    }
  }
  return changed;
}

/**
 * `pnpm release --dry-run`: checks, builds and packs a release into `releases/<version>/` and writes
 * `releases/<version>.json`. Publishes nothing.
 */
export async function prepareRelease(options: PrepareReleaseOptions): Promise<PreparedRelease> {
  const { repoRoot, log } = options;
  const outDir = options.outDir ?? join(repoRoot, 'releases');
  const config = await readReleaseConfig(repoRoot);
  const packages = await listPublishablePackages(repoRoot);
  const version = releaseVersion(packages);
  log(`release ${version}: ${packages.map((p) => p.name).join(', ')}`);

  await assertCleanWorkTree(repoRoot);
  const commit = await headCommit(repoRoot);
  log(`work tree clean at ${commit.id}`);

  if (options.skipTests) {
    log('tests skipped (--skip-tests)');
  } else {
    log('running the test suite (pnpm test)…');
    await exec('pnpm', ['test'], { cwd: repoRoot, inherit: true });
  }

  log('building the packages…');
  await buildPackages(repoRoot, packages);
  const core = await loadCoreReleaseApi();
  const supportedMajors = core.SUPPORTED_MODEL_MAJORS;

  const models = await listModelFolders(repoRoot, core);
  await verifyShippedModels(repoRoot, models, core);
  const shipped = models.filter((m) => m.modelPath !== null);
  log(
    `verified sha256 of ${shipped.length} shipped model(s): ${shipped.map((m) => `${m.name}@${m.version}`).join(', ') || 'none'}`,
  );

  const changedCards = await regenerateModelCards(repoRoot, models);
  if (changedCards.length > 0) {
    throw new ReleaseError(
      `model cards were out of date with their manifests and have been regenerated: ${changedCards.join(', ')}. ` +
        'Review and commit them, then run the release again (a release ships the committed cards).',
    );
  }
  log(`model cards up to date (${models.filter((m) => m.cardPath).length})`);

  const defaultModel = defaultModelFolder(models, config.defaultModel, core);
  const bundleTarget = packages.find((p) => p.name === config.bundleDefaultModelInto);
  if (!bundleTarget) {
    throw new ReleaseError(
      `release.config.json bundles the default model into ${config.bundleDefaultModelInto}, which is not a publishable package`,
    );
  }

  const tarballDir = join(outDir, version);
  await rm(tarballDir, { recursive: true, force: true });
  const tarballs: PackedTarball[] = [];
  const cleanup = () => removeBundledModels(bundleTarget.dir);
  try {
    await bundleDefaultModel(bundleTarget.dir, defaultModel);
    log(`bundled ${defaultModel.name}@${defaultModel.version} into ${bundleTarget.name}`);
    for (const pkg of packages) {
      const tarball = await packPackage(pkg, tarballDir);
      tarballs.push(tarball);
      log(`packed ${relative(repoRoot, tarball.path)} (${tarball.size} bytes)`);
    }
  } catch (error) {
    await cleanup();
    throw error;
  }
  if (!options.keepBundle) await cleanup();

  const bundledPrefix = `models/${defaultModel.name}/${defaultModel.version}`;
  const bundledTarball = tarballs.find((t) => t.packageName === bundleTarget.name)!;
  assertTarballHas(
    bundledTarball,
    [`${bundledPrefix}/manifest.json`, `${bundledPrefix}/${defaultModel.manifest.file}`],
    `add "models" to "files" in ${relative(repoRoot, join(bundleTarget.dir, 'package.json'))} so the package carries its default model`,
  );

  const modelSha = defaultModel.manifest.sha256!;
  const manifest: ReleaseManifest = {
    schemaVersion: 1,
    version,
    date: new Date().toISOString(),
    git: { commit: commit.id, commitDate: commit.date, tag: `v${version}` },
    supportedModelMajors: supportedMajors,
    defaultModel: { name: defaultModel.name, version: defaultModel.version, sha256: modelSha },
    packages: tarballs.map((t) => ({
      name: t.packageName,
      version: t.version,
      tarball: t.file,
      sha256: t.sha256,
      size: t.size,
      supportedModelMajors: supportedMajors,
      bundledModel:
        t.packageName === bundleTarget.name
          ? { name: defaultModel.name, version: defaultModel.version, sha256: modelSha }
          : null,
    })),
    models: models.map((m) => ({
      name: m.name,
      version: m.version,
      major: core.modelVersionMajor(m.version),
      file: m.manifest.file,
      sha256: m.manifest.sha256,
      default: m === defaultModel,
      bundledIn: m === defaultModel ? [bundleTarget.name] : [],
    })),
    builtWith: { node: process.version, pnpm: (await exec('pnpm', ['--version'], { cwd: repoRoot })).stdout.trim() },
  };
  const manifestPath = join(outDir, `${version}.json`);
  await writeReleaseManifest(manifestPath, manifest);
  log(`wrote ${relative(repoRoot, manifestPath)}`);

  return {
    manifest,
    manifestPath,
    tarballDir,
    defaultModel,
    packages,
    metadataWarnings: packages.flatMap(missingPublishMetadata),
    cleanup,
  };
}
