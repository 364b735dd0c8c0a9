import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { withTempDir } from './helpers.js';

const run = promisify(execFile);
const PACKAGE = resolve(__dirname, '..');

/** An install of @blurgate/node in `dir` with its dependencies but not the optional packages; returns its cli.js. */
async function installWithoutOptionalPackages(dir: string): Promise<string> {
  const installed = join(dir, 'node_modules', '@blurgate', 'node');
  await mkdir(installed, { recursive: true });
  await cp(join(PACKAGE, 'dist'), join(installed, 'dist'), { recursive: true });
  const manifest = JSON.parse(await readFile(join(PACKAGE, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  await writeFile(join(installed, 'package.json'), JSON.stringify(manifest));
  for (const dep of Object.keys(manifest.dependencies)) {
    const target = join(dir, 'node_modules', dep);
    await mkdir(dirname(target), { recursive: true });
    await symlink(await realpath(join(PACKAGE, 'node_modules', dep)), target, 'dir');
  }
  return join(installed, 'dist', 'cli.js');
}

async function failureOf(cli: string, args: string[], cwd: string): Promise<{ code: number; stderr: string } | null> {
  return run(process.execPath, [cli, ...args], {
    cwd,
    // pnpm sets NODE_PATH to its hoisted store, where the optional packages are; a user's shell has no such path.
    env: { ...process.env, NODE_PATH: '' },
    timeout: 60_000,
  }).then(
    () => null,
    (error: { code: number; stderr: string }) => error,
  );
}

describe('blurgate serve and queue without their optional packages', () => {
  it('serve says how to install @blurgate/server and exits 2', async () => {
    await withTempDir(async (dir) => {
      const failure = await failureOf(await installWithoutOptionalPackages(dir), ['serve', '--port', '0'], dir);
      expect(failure?.code).toBe(2);
      expect(failure?.stderr).toContain('needs the @blurgate/server package');
      expect(failure?.stderr).toContain('npm install @blurgate/server');
    });
  });

  it('queue says how to install @blurgate/queue and exits 2', async () => {
    await withTempDir(async (dir) => {
      const failure = await failureOf(
        await installWithoutOptionalPackages(dir),
        ['queue', 'status', '--queue', 'q'],
        dir,
      );
      expect(failure?.code).toBe(2);
      expect(failure?.stderr).toContain('needs the @blurgate/queue package');
      expect(failure?.stderr).toContain('npm install @blurgate/queue');
    });
  });
});
