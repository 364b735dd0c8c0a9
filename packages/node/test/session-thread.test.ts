import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClassifyResult, ModelSession, TensorDims } from '@blurgate/core';
import { describe, expect, it } from 'vitest';
import { createBlurGate, createOnnxRuntime, decodeImage, type ImageSource } from '../src/index.js';
import { loadSessionThread } from '../src/session-thread.js';
import { IMAGES, MODELS, TINY_3CH, TINY_4CH, withTempDir } from './helpers.js';

// sessionThread 'worker': the onnxruntime session on a worker thread of its own. Same numbers as the main-thread
// session (bit for bit), the same errors, and a process that forgets dispose() still exits.

const PHOTOS = readdirSync(IMAGES)
  .filter((name) => !name.endsWith('.md'))
  .sort()
  .map((name) => join(IMAGES, name));
const TTA = [256, 320, 384, 448, 512];

async function all(gate: Awaited<ReturnType<typeof createBlurGate>>, inputs: ImageSource[], concurrency: number) {
  const results: ClassifyResult<ImageSource>[] = [];
  for await (const result of gate.classifyMany(inputs, { concurrency })) results.push(result);
  return results;
}

/** Runs `fn` on a session of each placement (one intra-op thread both: the same kernels, the same sums). */
async function bothPlacements<T>(
  bytes: Uint8Array,
  fn: (session: ModelSession) => Promise<T>,
): Promise<{ main: T; worker: T }> {
  const out: Partial<Record<'main' | 'worker', T>> = {};
  for (const sessionThread of ['main', 'worker'] as const) {
    const session = await createOnnxRuntime({ intraOpNumThreads: 1, sessionThread }).loadModel(bytes);
    try {
      out[sessionThread] = await fn(session);
    } finally {
      await session.dispose();
    }
  }
  return out as { main: T; worker: T };
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { name, code, message } = error as { name: string; code: string; message: string };
    return { name, code, message };
  }
  throw new Error('expected a rejection');
}

describe.each([
  ['4-channel', TINY_4CH],
  ['3-channel', TINY_3CH],
])('sessionThread worker, %s model', (_title, model) => {
  it('gives bit-identical results to the main-thread session, single-scale and TTA, files and pixels', async () => {
    for (const scales of [[384], TTA]) {
      const gates = await Promise.all(
        (['main', 'worker'] as const).map((sessionThread) =>
          createBlurGate({ model, scales, inferenceThreads: 1, sessionThread }),
        ),
      );
      expect(gates.map((gate) => gate.runtimeName)).toEqual([
        expect.not.stringContaining('session thread'),
        expect.stringContaining('(session thread)'),
      ]);
      const [main, worker] = [await all(gates[0], PHOTOS, 1), await all(gates[1], PHOTOS, 3)];
      expect(main.filter((result) => result.status === 'ok').length).toBeGreaterThanOrEqual(15);
      expect(worker).toEqual(main);
      // classifyPixels: scale k+1 is built while scale k runs on the session thread.
      const pixels = await decodeImage(join(IMAGES, 'china.jpg'));
      const [a, b] = await Promise.all(gates.map((gate) => gate.classifyPixels(pixels)));
      expect(b).toEqual(a);
      expect(b.scales.map((s) => s.scale)).toEqual(scales);
      await Promise.all(gates.map((gate) => gate.dispose()));
    }
  });
});

describe('the session thread', () => {
  const bytes = new Uint8Array(readFileSync(TINY_4CH));
  const dims: TensorDims = [1, 4, 48, 48];
  const inputOf = (seed: number): Float32Array =>
    Float32Array.from({ length: 4 * 48 * 48 }, (_, i) => Math.sin(i * seed));

  it('leaves the caller’s input usable and answers runs in flight together with their own logits', async () => {
    const inputs = [1, 2, 3, 4].map(inputOf);
    const copies = inputs.map((input) => input.slice());
    const { main, worker } = await bothPlacements(bytes, async (session) => {
      const one = [];
      for (const input of inputs) one.push(await session.run(input, dims));
      const together = await Promise.all(inputs.map((input) => session.run(input, dims)));
      return { one, together, offThread: session.runsOffThread === true };
    });
    expect([main.offThread, worker.offThread]).toEqual([false, true]);
    expect(worker.one).toEqual(main.one);
    expect(worker.together).toEqual(main.one);
    expect(new Set(main.one.map((logits) => logits[1])).size).toBe(4);
    // Not detached, not changed: a gate recycles them into its preprocessor's pool.
    expect(inputs).toEqual(copies);
  });

  it('fails like the main-thread session: bad bytes, a model it cannot take, a bad run, a run after dispose', async () => {
    const load = async (model: Uint8Array, sessionThread: 'main' | 'worker') =>
      failure(createOnnxRuntime({ sessionThread }).loadModel(model));
    for (const model of [new Uint8Array([1, 2, 3]), new Uint8Array(readFileSync(join(MODELS, 'invalid-5ch.onnx')))]) {
      const [main, worker] = [await load(model, 'main'), await load(model, 'worker')];
      expect(main.code).toBe('UNSUPPORTED_MODEL');
      expect(worker).toEqual(main);
    }
    const { main, worker } = await bothPlacements(bytes, async (session) => {
      const badRun = await failure(session.run(new Float32Array(3 * 48 * 48), [1, 3, 48, 48]));
      await session.dispose();
      const afterDispose = await failure(session.run(inputOf(1), dims));
      await session.dispose(); // twice is fine
      return { badRun, afterDispose };
    });
    expect(main.badRun).toMatchObject({
      name: 'ModelError',
      code: 'RUNTIME_FAILED',
      message: /Got invalid dimensions/,
    });
    expect(worker).toEqual(main);
    expect(main.afterDispose.code).toBe('DISPOSED');
    expect(() => createOnnxRuntime({ sessionThread: 'gpu' as 'worker' })).toThrow(
      /sessionThread must be 'main' or 'worker'/,
    );
    await expect(
      createBlurGate({ model: TINY_4CH, runtime: createOnnxRuntime(), sessionThread: 'worker' }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('a thread that dies rejects every pending run, and later ones, with RUNTIME_FAILED', async () => {
    await withTempDir(async (dir) => {
      // Loads like the real worker, then exits at the third run without answering any.
      const dying = join(dir, 'dying-session-worker.mjs');
      writeFileSync(
        dying,
        `import { parentPort } from 'node:worker_threads';
let runs = 0;
parentPort.on('message', (m) => { if (m.type === 'run' && ++runs === 3) process.exit(3); });
parentPort.postMessage({ type: 'loaded', inputNames: ['input'], outputNames: ['logits'], inputChannels: 4 });
`,
      );
      const session = await loadSessionThread(bytes, {}, pathToFileURL(dying));
      expect(session.inputChannels).toBe(4);
      const runs = [1, 2, 3].map((seed) => failure(session.run(inputOf(seed), dims)));
      const failures = await Promise.all(runs);
      for (const failed of failures) {
        expect(failed).toMatchObject({ code: 'RUNTIME_FAILED', message: /session thread stopped \(exit code 3\)/ });
      }
      expect(await failure(session.run(inputOf(4), dims))).toMatchObject({ code: 'RUNTIME_FAILED' });
      await session.dispose();
      expect(await failure(session.run(inputOf(5), dims))).toMatchObject({ code: 'DISPOSED' });
    });
  });

  it('does not keep the process alive: a script that never disposes still exits', async () => {
    await withTempDir(async (dir) => {
      const script = join(dir, 'session-thread-exit.mjs');
      const entry = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href;
      writeFileSync(
        script,
        `import { createBlurGate, createOnnxRuntime } from ${JSON.stringify(entry)};
import { readFileSync } from 'node:fs';
const gate = await createBlurGate({ model: ${JSON.stringify(TINY_4CH)}, scales: [256, 384], sessionThread: 'worker' });
const r = await gate.classify(${JSON.stringify(join(IMAGES, 'flower.png'))});
// A second session, loaded and never run.
await createOnnxRuntime({ sessionThread: 'worker' }).loadModel(readFileSync(${JSON.stringify(TINY_3CH)}));
console.log(gate.runtimeName.includes('session thread') ? r.label : 'main');
`,
      );
      const run = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
      expect(run.signal).toBeNull(); // not killed by the timeout: nothing kept the process alive
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout.trim()).toMatch(/^(sharp|blurred|uncertain)$/);
    });
  });
});
