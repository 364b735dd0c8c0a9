import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { withTempDir } from './helpers.js';

const run = promisify(execFile);
const PACKAGE = resolve(__dirname, '..');

describe('blurgate serve without @blurgate/server', () => {
  it('says how to install it and exits 2', async () => {
    await withTempDir(async (dir) => {
      // An install of @blurgate/node with its dependencies but not the optional @blurgate/server.
      const installed = join(dir, 'node_modules', '@blurgate', 'node');
      await mkdir(installed, { recursive: true });
      await cp(join(PACKAGE, 'dist'), join(installed, 'dist'), { recursive: true });
      const manifest = JSON.parse(await readFile(join(PACKAGE, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      await writeFile(join(installed, 'package.json'), JSON.stringify(manifest));
      for (const dep of Object.keys(manifest.dependencies)) {
        const target = join(dir, 'node_modules', dep);
        await mkdir(dirname(target), { recursive: true });
        await symlink(await realpath(join(PACKAGE, 'node_modules', dep)), target, 'dir');
      }
      const failure = await run(process.execPath, [join(installed, 'dist', 'cli.js'), 'serve', '--port', '0'], {
        cwd: dir,
        // pnpm sets NODE_PATH to its hoisted store, where @blurgate/server is; a user's shell has no such path.
        env: { ...process.env, NODE_PATH: '' },
        timeout: 60_000,
      }).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(2);
      expect(failure?.stderr).toContain('needs the @blurgate/server package');
      expect(failure?.stderr).toContain('npm install @blurgate/server');
    });
  });
});
