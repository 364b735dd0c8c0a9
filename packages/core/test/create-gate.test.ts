import { describe, expect, it } from 'vitest';
import {
  type BlurGate,
  createGate,
  DEFAULT_SCALES,
  type InferenceRuntime,
  type ModelManifest,
  type ModelSession,
  createPreprocessor,
  type ModelInputs,
  type PixelImage,
  parseModelManifest,
  prepareModelInputs,
} from '../src/index.js';
import { FAKE_SHA256, manifestFields } from './manifest-fixture.js';

function manifest(overrides: Record<string, unknown> = {}): ModelManifest {
  return parseModelManifest(manifestFields(overrides));
}

/** A runtime whose sessions answer fixed logits, after `delayMs`, counting concurrent runs. */
function fakeRuntime(options: { channels?: 3 | 4; logits?: number[]; delayMs?: number } = {}) {
  const stats = { running: 0, maxRunning: 0, runs: 0, disposed: 0, loads: 0 };
  const runtime: InferenceRuntime = {
    name: 'fake runtime',
    async loadModel(): Promise<ModelSession> {
      stats.loads++;
      return {
        inputNames: ['input'],
        outputNames: ['logits'],
        inputChannels: options.channels ?? 4,
        async run() {
          stats.running++;
          stats.runs++;
          stats.maxRunning = Math.max(stats.maxRunning, stats.running);
          await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 1));
          stats.running--;
          return Float32Array.from(options.logits ?? [0, 1]);
        },
        async dispose() {
          stats.disposed++;
        },
      };
    },
  };
  return { runtime, stats };
}

const grey = (side: number): PixelImage => ({
  data: new Uint8Array(side * side).fill(120),
  width: side,
  height: side,
  channels: 1,
});

/** Inputs are sizes; 0 is "not an image" (the decoder throws a plain Error, not a typed one). */
async function decodeSide(side: number): Promise<PixelImage> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  if (side === 0) throw new Error('not an image');
  return grey(side);
}

/** A gate over `fakeRuntime({ delayMs })` and a manifest-less model, at the fast scales. */
async function fastGate(
  delayMs: number,
): Promise<{ gate: BlurGate<number>; stats: ReturnType<typeof fakeRuntime>['stats'] }> {
  const { runtime, stats } = fakeRuntime({ delayMs });
  const gate: BlurGate<number> = await createGate({
    runtime,
    decode: decodeSide,
    model: { bytes: new Uint8Array([1]) },
    options: { fast: true },
  });
  return { gate, stats };
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('createGate options', () => {
  it('takes scales and thresholds from the manifest; explicit options win; fast is [384]', async () => {
    const { runtime } = fakeRuntime();
    const bytes = new Uint8Array([1]);
    const fromManifest = await createGate({ runtime, decode: decodeSide, model: { bytes, manifest: manifest() } });
    expect(fromManifest.scales).toEqual([320]);
    expect(fromManifest.thresholds).toEqual({ confidenceThreshold: 0.9, blurThreshold: 0.3 });
    expect(fromManifest.model).toMatchObject({ name: 'blurgate-test', version: '1.0.0', inputChannels: 4, path: null });
    const explicit = await createGate({
      runtime,
      decode: decodeSide,
      model: { bytes, manifest: manifest() },
      options: { fast: true, confidenceThreshold: 0.7 },
    });
    expect(explicit.scales).toEqual([384]);
    expect(explicit.thresholds).toEqual({ confidenceThreshold: 0.7, blurThreshold: 0.3 });
    const bare = await createGate({ runtime, decode: decodeSide, model: { bytes } });
    expect(bare.scales).toEqual(DEFAULT_SCALES);
    expect(bare.model).toMatchObject({ name: 'in-memory', version: 'unversioned', manifest: null });
  });

  it.each([
    [{ scales: [20000] }, /between 32 and 2048/],
    [{ scales: [16] }, /between 32 and 2048/],
    [{ scales: [256, 320, 384, 448, 512, 576, 640, 704, 768] }, /at most 8/],
    [{ scales: [256.5] }, /positive integers/],
    [{ scales: [384], fast: true }, /either scales or fast/],
    [{ confidenceThreshold: 1.5 }, /between 0 and 1/],
    [{ blurThreshold: -0.1 }, /between 0 and 1/],
    [{ concurrency: 0 }, /concurrency must be a whole number from 1 to 64/],
    [{ concurrency: 65 }, /from 1 to 64/],
    [{ maxPixels: 9007199254740992 }, /maxPixels must be a positive whole number/],
    [{ maxPixels: 0 }, /maxPixels/],
    [{ maxPixels: 1.5 }, /maxPixels/],
  ])('refuses %j with INVALID_OPTION before loading the model', async (options, message) => {
    const { runtime, stats } = fakeRuntime();
    await expect(
      createGate({ runtime, decode: decodeSide, model: { bytes: new Uint8Array([1]) }, options }),
    ).rejects.toMatchObject({
      name: 'OptionError',
      code: 'INVALID_OPTION',
      message: expect.stringMatching(message),
    });
    expect(stats.loads).toBe(0);
  });

  it('refuses manifest scales outside the limits as INVALID_MANIFEST, unless the caller gives scales', async () => {
    const { runtime } = fakeRuntime();
    const model = { bytes: new Uint8Array([1]), manifest: manifest({ scales: [384, 20000] }) };
    await expect(createGate({ runtime, decode: decodeSide, model })).rejects.toMatchObject({
      name: 'ModelError',
      code: 'INVALID_MANIFEST',
      message: expect.stringMatching(/"scales" of the manifest of blurgate-test 1\.0\.0 must be between 32 and 2048/),
    });
    expect((await createGate({ runtime, decode: decodeSide, model, options: { scales: [256] } })).scales).toEqual([
      256,
    ]);
  });

  it("refuses bytes whose sha256 is not the manifest's, and a manifest of another channel count", async () => {
    const { runtime, stats } = fakeRuntime({ channels: 3 });
    await expect(
      createGate({
        runtime,
        decode: decodeSide,
        model: { bytes: new Uint8Array([1]), manifest: manifest(), sha256: 'b'.repeat(64), path: 'x/model.onnx' },
      }),
    ).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', message: expect.stringContaining('x/model.onnx') });
    expect(stats.loads).toBe(0);
    await expect(
      createGate({
        runtime,
        decode: decodeSide,
        model: { bytes: new Uint8Array([1]), manifest: manifest(), sha256: FAKE_SHA256 },
      }),
    ).rejects.toMatchObject({
      code: 'UNSUPPORTED_MODEL',
      message: expect.stringMatching(/manifest says 4 input channels but the model takes 3/),
    });
    expect(stats.disposed).toBe(1);
  });
});

describe('createGate classification', () => {
  it('classifyMany keeps input order, makes records of failures, runs one inference at a time', async () => {
    const { gate, stats } = await fastGate(3);
    const inputs = [64, 0, 8, 64, 64, 0, 64];
    const results = await collect(gate.classifyMany(inputs, { concurrency: 4 }));
    expect(results.map((r) => r.input)).toEqual(inputs);
    expect(results.map((r) => (r.status === 'ok' ? r.label : r.error.code))).toEqual([
      'blurred',
      'UNEXPECTED',
      'INVALID_IMAGE',
      'blurred',
      'blurred',
      'UNEXPECTED',
      'blurred',
    ]);
    const unexpected = results[1];
    expect(unexpected.status === 'error' && unexpected.error.message).toBe('not an image');
    expect(stats.maxRunning).toBe(1);
    await gate.dispose();
  });

  it('a platform prepare hook: its inputs go to recycle once their run ends, failed runs included', async () => {
    let failNext = false;
    const { runtime } = fakeRuntime({ delayMs: 2 });
    const failing: InferenceRuntime = {
      ...runtime,
      async loadModel(bytes) {
        const session = await runtime.loadModel(bytes);
        return {
          ...session,
          async run(input, dims) {
            if (failNext) throw new Error('the runtime failed');
            return session.run(input, dims);
          },
        };
      },
    };
    const made: ModelInputs[] = [];
    const recycled: ModelInputs[] = [];
    const gate: BlurGate<number> = await createGate({
      runtime: failing,
      decode: decodeSide,
      prepare: async (side, request) => {
        const inputs = prepareModelInputs(grey(side), { ...request, preprocessor: createPreprocessor() });
        made.push(inputs);
        return inputs;
      },
      recycle: (inputs) => {
        // Given back only after its run: by then that run has answered.
        recycled.push(inputs);
      },
      model: { bytes: new Uint8Array([1]) },
      options: { scales: [64, 96] },
    });
    await gate.classify(64);
    expect(recycled).toEqual([made[0]]);
    expect(recycled[0]).toBe(made[0]);
    failNext = true;
    await expect(gate.classify(64)).rejects.toMatchObject({ code: 'RUNTIME_FAILED' });
    expect(recycled).toHaveLength(2);
    expect(recycled[1]).toBe(made[1]);
    await gate.dispose();
  });

  it('classifyPixels takes decoded pixels; an aborted signal rejects with ABORTED and ends a batch', async () => {
    const { gate, stats } = await fastGate(5);
    expect((await gate.classifyPixels(grey(32))).label).toBe('blurred');
    const aborted = new AbortController();
    aborted.abort();
    await expect(gate.classify(64, { signal: aborted.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    const controller = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const result of gate.classifyMany(
          Array.from({ length: 10 }, () => 64),
          { signal: controller.signal, concurrency: 3 },
        )) {
          seen.push(result.status);
          if (seen.length === 2) controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'BlurgateError', code: 'ABORTED' });
    expect(seen).toEqual(['ok', 'ok']);
    expect(stats.runs).toBeLessThan(11);
    expect((await gate.classify(64)).label).toBe('blurred');
    await gate.dispose();
  });

  it('dispose waits for accepted runs, frees the session once, and later calls throw DISPOSED', async () => {
    const { gate, stats } = await fastGate(5);
    const running = gate.classifyPixels(grey(32));
    const disposing = gate.dispose();
    await expect(running).resolves.toMatchObject({ label: 'blurred' });
    await disposing;
    await gate.dispose();
    expect(stats.disposed).toBe(1);
    await expect(gate.classify(64)).rejects.toMatchObject({ code: 'DISPOSED' });
    await expect(gate.classifyPixels(grey(32))).rejects.toMatchObject({ code: 'DISPOSED' });
    await expect(collect(gate.classifyMany([64, 64]))).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});
