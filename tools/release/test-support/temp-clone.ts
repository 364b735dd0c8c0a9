import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFixtureModel } from './fixture-model.js';
import { runOk } from './run-command.js';

/** A throw-away `git clone` of the repository, installed, with the fixture model committed. */
export interface TempClone {
  readonly dir: string;
  /** Lines describing what the test had to add to the clone because the real repo lacks it (for the log). */
  readonly patched: readonly string[];
  commitAll(message: string): Promise<void>;
}

async function patchPackageJson(
  file: string,
  patch: (json: Record<string, unknown>) => string | null,
): Promise<string | null> {
  const json = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  const note = patch(json);
  if (note) await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  return note;
}

/**
 * Clones `sourceRoot` (its committed HEAD) into `dir`, overlays the working tree's `tools/release` (so the
 * release code under test is the one being edited), writes the fixture default model, installs with pnpm from
 * the local store, and commits, leaving a clean work tree as a release needs.
 *
 * Where the repository does not yet carry what a release needs from other packages (`models` in
 * @blurgate/node's `files`; `repository` and `publishConfig` for a real publish), the clone gets it and
 * `patched` says so: the release itself refuses such a repository, which the tests do not need to show again.
 */
export async function makeTempClone(
  sourceRoot: string,
  dir: string,
  options: { publishMetadata: boolean },
): Promise<TempClone> {
  await runOk('git', ['clone', '--quiet', '--no-hardlinks', sourceRoot, dir], sourceRoot);
  await runOk('git', ['config', 'user.email', 'release-test@blurgate.invalid'], dir);
  await runOk('git', ['config', 'user.name', 'release test'], dir);
  await rm(join(dir, 'tools', 'release'), { recursive: true, force: true });
  await cp(join(sourceRoot, 'tools', 'release'), join(dir, 'tools', 'release'), {
    recursive: true,
    filter: (src) => !src.includes('node_modules') && !src.endsWith('.vitest-report.json'),
  });
  await writeFixtureModel(dir, sourceRoot);
  const patched: string[] = [];
  const nodePkg = join(dir, 'packages', 'node', 'package.json');
  const filesNote = await patchPackageJson(nodePkg, (json) => {
    const files = (json['files'] as string[] | undefined) ?? [];
    if (files.includes('models')) return null;
    json['files'] = [...files, 'models'];
    return 'added "models" to packages/node/package.json "files"';
  });
  if (filesNote) patched.push(filesNote);
  if (options.publishMetadata) {
    for (const name of ['core', 'node', 'web', 'eval']) {
      const note = await patchPackageJson(join(dir, 'packages', name, 'package.json'), (json) => {
        const added: string[] = [];
        if (!json['repository']) {
          json['repository'] = {
            type: 'git',
            url: 'git+https://example.invalid/blurgate.git',
            directory: `packages/${name}`,
          };
          added.push('repository');
        }
        if ((json['publishConfig'] as { access?: string } | undefined)?.access !== 'public') {
          json['publishConfig'] = { ...((json['publishConfig'] as object | undefined) ?? {}), access: 'public' };
          added.push('publishConfig.access');
        }
        return added.length > 0 ? `added ${added.join(', ')} to packages/${name}/package.json` : null;
      });
      if (note) patched.push(note);
    }
  }
  // --no-frozen-lockfile: a lockfile that lags a package.json by a commit must not stop the test; the
  // install is from the local pnpm store (--prefer-offline).
  await runOk('pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile', '--reporter=silent'], dir);
  const clone: TempClone = {
    dir,
    patched,
    async commitAll(message: string) {
      await runOk('git', ['add', '-A'], dir);
      await runOk('git', ['commit', '--quiet', '--allow-empty', '-m', message], dir);
    },
  };
  await clone.commitAll('release test: fixture default model');
  return clone;
}
