/**
 * `pnpm release`: prepares (and with --publish, publishes) a blurgate release. See docs/releasing.md.
 *
 *   pnpm release --dry-run                 check, build, pack into releases/<version>/, write releases/<version>.json
 *   pnpm release --publish                 the same, then `pnpm publish -r --dry-run` and a Hub upload check
 *   pnpm release --publish --no-dry-run    really publish to npm and upload the default model to the Hub
 *   pnpm release cards                     regenerate the model cards' metrics sections from their manifests
 *   pnpm release rehearsal-servers         local npm registry + fake Hub on 127.0.0.1 for a rehearsal
 */
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadCoreReleaseApi } from './core-api.js';
import { CommandFailedError } from './exec.js';
import { repositoryRoot } from './git.js';
import { buildPackages, prepareRelease, regenerateModelCards } from './prepare-release.js';
import { publishToNpm } from './publish-npm.js';
import { readReleaseConfig } from './release-config.js';
import { ReleaseError } from './release-error.js';
import { startRehearsalServers } from './rehearsal-servers.js';
import { listModelFolders } from './shipped-models.js';
import { uploadModelToHub } from './upload-model-to-hub.js';
import { listPublishablePackages } from './workspace.js';

const log = (line: string) => console.log(`release: ${line}`);

async function repoRoot(): Promise<string> {
  return repositoryRoot(fileURLToPath(new URL('.', import.meta.url)));
}

interface ReleaseArgs {
  readonly dryRun: boolean;
  readonly publish: boolean;
  readonly skipTests: boolean;
  readonly skipHub: boolean;
  readonly registry?: string;
  readonly hubUrl?: string;
  readonly hubRepo?: string;
  readonly provenance: boolean;
  readonly tag?: string;
}

async function release(args: ReleaseArgs): Promise<void> {
  const root = await repoRoot();
  const config = await readReleaseConfig(root);
  const prepared = await prepareRelease({ repoRoot: root, skipTests: args.skipTests, keepBundle: args.publish, log });
  for (const warning of prepared.metadataWarnings) log(`warning: ${warning}`);
  if (!args.publish) {
    log(`done: ${prepared.manifestPath} (nothing published; add --publish to publish)`);
    return;
  }
  try {
    if (!args.dryRun && prepared.metadataWarnings.length > 0) {
      throw new ReleaseError(
        `refusing to publish with incomplete package metadata:\n  ${prepared.metadataWarnings.join('\n  ')}`,
      );
    }
    const hubOptions = {
      model: prepared.defaultModel,
      repo: args.hubRepo ?? config.hubRepo,
      hubUrl: args.hubUrl ?? process.env['HF_ENDPOINT'],
      accessToken: process.env['HF_TOKEN'] || undefined,
      releaseVersion: prepared.manifest.version,
      gitCommit: prepared.manifest.git.commit,
    };
    if (!args.skipHub) {
      // Check the Hub before touching npm, so a refused model upload publishes nothing.
      const plan = await uploadModelToHub({ ...hubOptions, dryRun: true });
      log(`Hub ${plan.repo}: ${plan.files.join(', ')} would be committed as "${plan.commitTitle}"`);
    }
    log(`pnpm publish -r${args.dryRun ? ' --dry-run' : ''}${args.registry ? ` --registry ${args.registry}` : ''}`);
    const output = await publishToNpm({
      repoRoot: root,
      dryRun: args.dryRun,
      registry: args.registry,
      provenance: args.provenance,
      tag: args.tag,
    });
    if (output) console.log(output);
    if (!args.skipHub && !args.dryRun) {
      const result = await uploadModelToHub({ ...hubOptions, dryRun: false });
      log(`uploaded ${result.files.join(', ')} to ${result.repo} as "${result.commitTitle}" (commit ${result.commit})`);
    }
    log(
      args.dryRun
        ? 'dry run: nothing was published (add --no-dry-run to publish)'
        : `published ${prepared.manifest.version}`,
    );
  } finally {
    await prepared.cleanup();
  }
}

async function cards(): Promise<void> {
  const root = await repoRoot();
  const packages = await listPublishablePackages(root);
  await buildPackages(
    root,
    packages.filter((p) => p.name === '@blurgate/core'),
  );
  const models = await listModelFolders(root, await loadCoreReleaseApi());
  const changed = await regenerateModelCards(root, models);
  log(changed.length > 0 ? `regenerated ${changed.join(', ')}` : 'every model card is up to date');
}

async function rehearsalServers(): Promise<void> {
  const root = await repoRoot();
  const servers = await startRehearsalServers(root);
  log(`local npm registry ${servers.registryUrl}`);
  log(`fake Hugging Face Hub ${servers.hubUrl}`);
  log(`wrote ${servers.envFile}; load it with: . ${servers.envFile}`);
  log('Ctrl-C stops both (they keep everything in memory)');
  const stop = async () => {
    await servers.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await new Promise(() => {});
}

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('pnpm release')
    .command(
      '$0',
      'prepare a release; with --publish, publish it',
      (y) =>
        y
          .option('dry-run', {
            type: 'boolean',
            default: true,
            describe: 'publish nothing for real (--no-dry-run to publish)',
          })
          .option('publish', {
            type: 'boolean',
            default: false,
            describe: 'publish to npm and upload the default model to the Hub',
          })
          .option('skip-tests', {
            type: 'boolean',
            default: false,
            describe: "skip `pnpm test` (the release's own tests use it)",
          })
          .option('skip-hub', {
            type: 'boolean',
            default: false,
            describe: 'publish the packages only (the model version is already on the Hub)',
          })
          .option('registry', { type: 'string', describe: 'npm registry URL (default: npm config)' })
          .option('hub-url', {
            type: 'string',
            describe: 'Hugging Face Hub URL (default: HF_ENDPOINT or the real Hub)',
          })
          .option('hub-repo', {
            type: 'string',
            describe: 'model repo org/name (default: release.config.json hubRepo)',
          })
          .option('provenance', { type: 'boolean', default: false, describe: 'npm provenance (CI with OIDC only)' })
          .option('tag', { type: 'string', describe: 'npm dist-tag (default latest)' }),
      (argv) => release(argv as unknown as ReleaseArgs),
    )
    .command('cards', "regenerate the model cards' metrics sections from their manifests", {}, () => cards())
    .command('rehearsal-servers', 'start a local npm registry and a fake Hub on 127.0.0.1', {}, () =>
      rehearsalServers(),
    )
    .strict()
    .fail(false)
    .help()
    .parseAsync();
}

main().catch((error: unknown) => {
  if (error instanceof ReleaseError || error instanceof CommandFailedError) {
    console.error(`release: error: ${error.message}`);
  } else console.error(error instanceof Error ? `release: ${error.stack ?? error.message}` : error);
  process.exit(1);
});
