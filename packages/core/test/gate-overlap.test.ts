import { describe, expect, it } from 'vitest';
import {
  createGate,
  createPreprocessor,
  type InferenceRuntime,
  type ModelInputs,
  type ModelSession,
  type PixelImage,
  type Preprocessor,
  prepareModelInputs,
} from '../src/index.js';

/** A session whose runs finish only when the test releases them, logging what happens in order. */
function heldRuntime(log: string[]) {
  const pending: (() => void)[] = [];
  const runtime: InferenceRuntime = {
    name: 'held runtime',
    async loadModel(): Promise<ModelSession> {
      return {
        inputNames: ['input'],
        outputNames: ['logits'],
        inputChannels: 4,
        async run(input) {
          log.push(`run ${input[0]}`);
          await new Promise<void>((resolve) => pending.push(resolve));
          return Float32Array.from([0, input[0]]);
        },
        async dispose() {
          log.push('session disposed');
        },
      };
    },
  };
  return { runtime, release: () => pending.shift()?.() };
}

function image(value: number): PixelImage {
  return { data: new Uint8Array(32 * 32 * 3).fill(value), width: 32, height: 32, channels: 3 };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('createGate overlaps preparation with inference', () => {
  it('prepares the next images while the model runs, and still runs one at a time', async () => {
    const log: string[] = [];
    const { runtime, release } = heldRuntime(log);
    const inner = createPreprocessor();
    const preprocessor: Preprocessor = {
      backend: 'js',
      prepare(pixels) {
        log.push(`preprocess ${pixels.data[0]}`);
        return inner.prepare(pixels);
      },
    };
    const gate = await createGate<number>({
      runtime,
      decode: async (value) => {
        log.push(`decode ${value}`);
        return image(value);
      },
      model: { bytes: new Uint8Array(1) },
      options: { scales: [64], preprocessor },
    });
    const stream = gate.classifyMany([10, 20, 30], { concurrency: 3 })[Symbol.asyncIterator]();
    const first = stream.next();
    await tick();
    // The first run is held: the other two images were decoded and preprocessed meanwhile, but not run.
    expect(log.filter((l) => l.startsWith('preprocess'))).toEqual(['preprocess 10', 'preprocess 20', 'preprocess 30']);
    expect(log.filter((l) => l.startsWith('run'))).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      release();
      await tick();
    }
    expect((await first).done).toBe(false);
    expect(log.filter((l) => l.startsWith('run'))).toHaveLength(3);
    await gate.dispose();
  });

  it('uses a platform prepare hook, checks what it returns and calls onDispose after the session is freed', async () => {
    const log: string[] = [];
    const runtime: InferenceRuntime = {
      name: 'plain',
      async loadModel() {
        return {
          inputNames: ['input'],
          outputNames: ['logits'],
          inputChannels: 4,
          run: async () => Float32Array.from([1, 0]),
          dispose: async () => {
            log.push('session disposed');
          },
        };
      },
    };
    const preprocessor = createPreprocessor();
    const gate = await createGate<string>({
      runtime,
      decode: async () => {
        throw new Error('decode must not be called when prepare is given');
      },
      prepare: async (input, request): Promise<ModelInputs> => {
        log.push(`prepare ${input} [${request.scales.join(',')}]x${request.channels} min ${request.minSide}`);
        if (input === 'wrong') return { channels: 4, scales: [32], inputs: [new Float32Array(4 * 32 * 32)] };
        return prepareModelInputs(image(1), { ...request, preprocessor });
      },
      onDispose: async () => {
        log.push('pool closed');
      },
      model: { bytes: new Uint8Array(1) },
      options: { scales: [64, 96] },
    });
    const results = [];
    for await (const result of gate.classifyMany(['a', 'wrong', 'b'])) results.push(result);
    expect(results.map((r) => r.status)).toEqual(['ok', 'error', 'ok']);
    expect(results[1].status === 'error' && results[1].error.code).toBe('RUNTIME_FAILED');
    expect(log).toContain('prepare a [64,96]x4 min 16');
    await Promise.all([gate.dispose(), gate.dispose()]);
    expect(log.slice(-2)).toEqual(['session disposed', 'pool closed']);
  });
});
