import { describe, expect, it } from 'vitest';
import {
  createBlurClassifier,
  createGate,
  createPreprocessor,
  type ModelSession,
  type PixelImage,
  type Preprocessor,
  predictTta,
  type TensorDims,
} from '../src/index.js';
import { randomImage } from './random-image.js';

// In-thread preprocessing is pipelined over the scales of one image for sessions that run off the calling thread
// (runsOffThread): scale k+1's input is built after scale k's run has started and before it has ended, so the two
// overlap. These tests drive a session whose runs end only when the test says so, and record the order of events.

const SCALES = [32, 48, 64];
/** The events of the first two scales: each next input is built between its predecessor's start and end. */
const FIRST_TWO_RUNS = ['build 32', 'start 32', 'build 48', 'end 32', 'start 48', 'build 64', 'end 48'];
const RECYCLED = ['recycle 32', 'recycle 48', 'recycle 64'];

/** A preprocessor that records each input it builds and each array it is given back. */
function spyPreprocessor(events: string[]): { preprocessor: Preprocessor; recycled: Float32Array[] } {
  const inner = createPreprocessor();
  const recycled: Float32Array[] = [];
  const preprocessor: Preprocessor = {
    backend: inner.backend,
    prepare(image) {
      const prepared = inner.prepare(image);
      return {
        resized: (width, height) => prepared.resized(width, height),
        modelInput(size, channels) {
          events.push(`build ${size}`);
          return prepared.modelInput(size, channels);
        },
      };
    },
    recycle(input) {
      events.push(`recycle ${Math.sqrt(input.length / 4)}`);
      recycled.push(input);
      inner.recycle?.(input);
    },
  };
  return { preprocessor, recycled };
}

/** A 4-channel session whose runs end when `finish` is called (in order); `fail` makes the run at that scale reject. */
class SteppedSession implements ModelSession {
  readonly inputNames = ['input'];
  readonly outputNames = ['logits'];
  readonly inputChannels = 4 as const;
  readonly seen: Float32Array[] = [];
  /** Whether the runs leave the calling thread free (as node's session thread does). */
  readonly runsOffThread: boolean;
  private readonly pending: Array<() => void> = [];
  private waiting: (() => void) | null = null;
  constructor(
    private readonly events: string[],
    private readonly fail?: number,
    runsOffThread = true,
  ) {
    this.runsOffThread = runsOffThread;
  }

  run(input: Float32Array, dims: TensorDims): Promise<Float32Array> {
    const scale = dims[3];
    this.events.push(`start ${scale}`);
    this.seen.push(input);
    let sum = 0;
    for (let i = 0; i < input.length; i++) sum += input[i];
    return new Promise((resolve, reject) => {
      this.pending.push(() => {
        this.events.push(`end ${scale}`);
        if (scale === this.fail) reject(new Error(`no run at ${scale}`));
        else resolve(Float32Array.from([0, sum / input.length]));
      });
      this.waiting?.();
    });
  }

  /** Waits until a run has started, then ends the oldest one. */
  async finish(): Promise<void> {
    while (this.pending.length === 0) {
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
    this.pending.shift()?.();
  }

  async dispose(): Promise<void> {}
}

/** Ends `runs` runs one after another, as a session would. */
async function finishRuns(session: SteppedSession, runs: number): Promise<void> {
  for (let i = 0; i < runs; i++) await session.finish();
}

describe('scales of one image are built while the previous scale runs', () => {
  it('classify: start run k, build input k+1, end run k; then every input is recycled', async () => {
    const events: string[] = [];
    const { preprocessor, recycled } = spyPreprocessor(events);
    const session = new SteppedSession(events);
    const classifier = createBlurClassifier(session, { scales: SCALES, preprocessor });
    const image = randomImage(120, 90, 3, 7);
    const result = classifier.classify(image);
    await finishRuns(session, SCALES.length);
    const prediction = await result;
    expect(events).toEqual([...FIRST_TWO_RUNS, 'start 64', 'end 64', ...RECYCLED]);
    // The arrays the session ran are the ones recycled, and the numbers are those of the all-at-once path.
    expect(recycled).toEqual(session.seen);
    expect(recycled.every((array, i) => array === session.seen[i])).toBe(true);
    const eager = new SteppedSession([]);
    const reference = createBlurClassifier(eager, { scales: SCALES });
    const all = reference.infer(reference.prepare(image));
    await finishRuns(eager, SCALES.length);
    expect(prediction).toEqual(await all);
  });

  it('a session that holds the calling thread gets every scale built before its first run, as before', async () => {
    const events: string[] = [];
    const { preprocessor } = spyPreprocessor(events);
    const session = new SteppedSession(events, undefined, false);
    const image = randomImage(120, 90, 3, 7);
    const result = createBlurClassifier(session, { scales: SCALES, preprocessor }).classify(image);
    await finishRuns(session, SCALES.length);
    const prediction = await result;
    expect(events).toEqual([
      ...['build 32', 'build 48', 'build 64'],
      ...['start 32', 'end 32', 'start 48', 'end 48', 'start 64', 'end 64'],
      ...RECYCLED,
    ]);
    const offThread = new SteppedSession([]);
    const pipelined = createBlurClassifier(offThread, { scales: SCALES }).classify(image);
    await finishRuns(offThread, SCALES.length);
    expect(prediction).toEqual(await pipelined);
  });

  it('a failed run ends the loop with RUNTIME_FAILED, after which the inputs built so far are recycled', async () => {
    const events: string[] = [];
    const { preprocessor } = spyPreprocessor(events);
    const session = new SteppedSession(events, 48);
    const classifier = createBlurClassifier(session, { scales: SCALES, preprocessor });
    const result = classifier.classify(randomImage(120, 90, 3, 8));
    const settled = result.catch((error: unknown) => error);
    await finishRuns(session, 2);
    await expect(result).rejects.toMatchObject({ code: 'RUNTIME_FAILED', message: /scale 48: no run at 48/ });
    await settled;
    expect(events).toEqual([...FIRST_TWO_RUNS, ...RECYCLED]);
  });

  it('an abort during a run is seen before the next run starts; the running input is recycled only after it ends', async () => {
    const events: string[] = [];
    const { preprocessor } = spyPreprocessor(events);
    const session = new SteppedSession(events);
    const controller = new AbortController();
    const result = predictTta(session, randomImage(100, 100, 3, 9), SCALES, {
      preprocessor,
      signal: controller.signal,
    });
    const settled = result.catch((error: unknown) => error);
    await Promise.resolve();
    controller.abort();
    events.push('abort');
    await finishRuns(session, 1);
    expect(await settled).toMatchObject({ code: 'ABORTED' });
    expect(events).toEqual(['build 32', 'start 32', 'build 48', 'abort', 'end 32', 'recycle 32', 'recycle 48']);
  });

  it('a gate’s classifyPixels pipelines the same way and recycles when the run ends', async () => {
    const events: string[] = [];
    const { preprocessor } = spyPreprocessor(events);
    const session = new SteppedSession(events);
    const gate = await createGate({
      runtime: { name: 'stepped', loadModel: async () => session },
      decode: async (image: PixelImage) => image,
      model: { bytes: new Uint8Array(1) },
      options: { scales: [32, 48], preprocessor },
    });
    const result = gate.classifyPixels(randomImage(80, 60, 3, 10));
    // The first scale is built before the run is queued.
    expect(events).toEqual(['build 32']);
    await finishRuns(session, 2);
    await result;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(events).toEqual([
      'build 32',
      'start 32',
      'build 48',
      'end 32',
      'start 48',
      'end 48',
      'recycle 32',
      'recycle 48',
    ]);
    await gate.dispose();
  });
});
