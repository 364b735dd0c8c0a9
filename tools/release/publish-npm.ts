import { exec } from './exec.js';

export interface PublishNpmOptions {
  readonly repoRoot: string;
  /** `pnpm publish --dry-run` unless false. */
  readonly dryRun: boolean;
  /** Registry URL; default: whatever npm config says (`npm_config_registry`, .npmrc). */
  readonly registry?: string;
  /** Ask for npm provenance (works in CI with an OIDC identity, e.g. GitHub Actions). */
  readonly provenance?: boolean;
  /** dist-tag, default `latest`. */
  readonly tag?: string;
}

/** The `pnpm publish -r` arguments for these options (exported for tests and for the docs). */
export function publishArgs(options: PublishNpmOptions): string[] {
  return [
    'publish',
    '-r',
    '--access',
    'public',
    // The release checked the tree itself before writing its git-ignored outputs (bundled model, tarballs).
    '--no-git-checks',
    ...(options.dryRun ? ['--dry-run'] : []),
    ...(options.registry ? ['--registry', options.registry] : []),
    ...(options.provenance ? ['--provenance'] : []),
    ...(options.tag ? ['--tag', options.tag] : []),
  ];
}

/**
 * Publishes every non-private workspace package with `pnpm publish -r` (pnpm skips versions the registry
 * already has). Credentials come from npm config (`//host/:_authToken=${NPM_TOKEN}` in an .npmrc), never
 * from arguments, so they are not printed.
 */
export async function publishToNpm(options: PublishNpmOptions): Promise<string> {
  // pnpm sets these for the `release` script; npm (which pnpm publish runs) warns about each of them.
  const env = { ...process.env };
  for (const key of ['npm_config_verify_deps_before_run', 'npm_config_npm_globalconfig', 'npm_config__jsr_registry']) {
    delete env[key];
  }
  const { stdout, stderr } = await exec('pnpm', publishArgs(options), { cwd: options.repoRoot, env });
  return `${stdout}${stderr}`.trim();
}
