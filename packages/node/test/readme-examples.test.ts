import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, readmeBlocks, readmeExamples } from './readme-examples.js';

const run = promisify(execFile);
const NODE_PACKAGE = fileURLToPath(new URL('../', import.meta.url));
let scratch: string;

beforeAll(async () => {
  // Inside the package, so that `@blurgate/node` resolves to this package (self-reference) and `@blurgate/core` to its dependency.
  scratch = await mkdtemp(join(NODE_PACKAGE, '.readme-examples-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('README code examples', () => {
  it('every js/ts block of README.md and the package READMEs is marked run=node or run=browser', () => {
    const unmarked = readmeBlocks().filter(
      (block) => /^(js|javascript|ts|typescript|mjs)$/.test(block.lang) && block.run === null,
    );
    expect(unmarked.map((block) => block.where)).toEqual([]);
    expect(readmeExamples('node').length).toBeGreaterThanOrEqual(3);
  });

  it.each(readmeExamples('node').map((block) => [block.where, block] as const))(
    '%s runs in Node as written',
    async (_where, block) => {
      const file = join(scratch, `${block.where.replace(/[^\w]+/g, '-')}.mjs`);
      await writeFile(file, block.code);
      // From the repo root, so the examples' sample paths resolve; the repo's models/ is the model store.
      const { stdout } = await run(process.execPath, [file], {
        cwd: REPO_ROOT,
        env: { ...process.env, BLURGATE_MODELS_DIR: join(REPO_ROOT, 'models') },
        timeout: 120_000,
      });
      expect(stdout.trim().length).toBeGreaterThan(0);
    },
  );
});
