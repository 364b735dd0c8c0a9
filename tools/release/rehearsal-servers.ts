import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFakeHub } from '../../packages/eval/test-support/fake-hub.js';
import { startLocalRegistry } from './local-registry.js';

export interface RehearsalServers {
  readonly registryUrl: string;
  readonly hubUrl: string;
  /** Shell file exporting the URLs, HF_TOKEN, an npm userconfig holding the registry token and the servers' pid. */
  readonly envFile: string;
  close(): Promise<void>;
}

/**
 * Starts a local npm registry and a fake Hugging Face Hub on 127.0.0.1 and writes `releases/rehearsal.env`
 * (and `releases/rehearsal.npmrc`), so a whole publish can be rehearsed with the commands of docs/releasing.md.
 */
export async function startRehearsalServers(repoRoot: string): Promise<RehearsalServers> {
  const hubToken = `hf_rehearsal_${randomBytes(8).toString('hex')}`;
  const registry = await startLocalRegistry();
  const hub = await startFakeHub({ requireToken: hubToken });
  const dir = join(repoRoot, 'releases');
  await mkdir(dir, { recursive: true });
  const npmrc = join(dir, 'rehearsal.npmrc');
  const registryHost = registry.url.replace(/^http:/, '');
  await writeFile(npmrc, `${registryHost}:_authToken=${registry.token}\n`);
  const envFile = join(dir, 'rehearsal.env');
  await writeFile(
    envFile,
    [
      '# Written by `pnpm release rehearsal-servers`: a local npm registry and a fake Hub on 127.0.0.1.',
      `export BLURGATE_REGISTRY_URL=${registry.url}`,
      `export BLURGATE_HUB_URL=${hub.url}`,
      `export HF_TOKEN=${hubToken}`,
      `export NPM_CONFIG_USERCONFIG=${npmrc}`,
      `export BLURGATE_REHEARSAL_PID=${process.pid}`,
      '',
    ].join('\n'),
  );
  return {
    registryUrl: registry.url,
    hubUrl: hub.url,
    envFile,
    close: async () => {
      await Promise.all([registry.close(), hub.close()]);
    },
  };
}
