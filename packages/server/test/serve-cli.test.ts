import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from './child-server.js';
import { type ErrorJson, NODE_CLI, REPO, type RecordJson, send } from './helpers.js';

const run = promisify(execFile);
let server: ChildServer | null = null;
afterEach(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  server = null;
});

const SAMPLE = 'samples/blurred-opencv_board_000.jpg';

describe('blurgate serve', () => {
  it('answers the README curl with the label and probabilities of blurgate classify --json (default model)', async () => {
    const { stdout } = await run(process.execPath, [NODE_CLI, 'classify', '--json', SAMPLE], {
      cwd: REPO,
      env: { ...process.env, BLURGATE_MODELS_DIR: join(REPO, 'models') },
    });
    const cli = JSON.parse(stdout.trim()) as RecordJson;
    server = await startChildServer([]);
    const answer = await send(`${server.url}/v1/classify`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: await readFile(join(REPO, SAMPLE)),
    });
    expect(answer.status, answer.text).toBe(200);
    const { file, model, ...served } = answer.json<RecordJson>();
    const { file: _cliFile, ...expected } = cli;
    expect(file).toBe('-');
    expect(served).toEqual(expected);
    expect(model.name).toBe('blurgate-synth');
    const models = (await send(`${server.url}/v1/models`)).json<{
      model: { name: string; version: string; sha256: string };
    }>();
    expect(model).toEqual({ name: models.model.name, version: models.model.version, sha256: models.model.sha256 });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('requires the token from --api-key-file and refuses to start on a missing model (exit 2)', async () => {
    const keyFile = join(tmpdir(), `blurgate-keys-${process.pid}.txt`);
    await writeFile(keyFile, '# test keys\n\nsecret-one\n');
    server = await startChildServer(['--api-key-file', keyFile, '--fast', '--workers', '1']);
    const denied = await send(`${server.url}/v1/models`, { headers: { authorization: 'Bearer secret-two' } });
    expect(denied.status).toBe(401);
    expect(denied.json<ErrorJson>().error.code).toBe('UNAUTHORIZED');
    const allowed = await send(`${server.url}/v1/models`, { headers: { authorization: 'Bearer secret-one' } });
    expect(allowed.json<{ scales: number[] }>().scales).toEqual([384]);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const missing = await run(process.execPath, [NODE_CLI, 'serve', '--port', '0', '--model', 'no-such-model'], {
      cwd: REPO,
    }).catch((e: { code: number; stderr: string }) => e);
    expect((missing as { code: number }).code).toBe(2);
    expect((missing as { stderr: string }).stderr).toMatch(/no-such-model/);
  });
});
