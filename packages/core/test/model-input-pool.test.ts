import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelInputPool } from '../src/model-input-pool.js';
import {
  createBlurClassifier,
  createGate,
  createPreprocessor,
  type ModelSession,
  type PixelImage,
  type Preprocessor,
  resizeBilinear,
  type TensorDims,
  toRgb,
} from '../src/index.js';
import { loadBuiltKernels } from './built-kernels.js';
import { randomImage } from './random-image.js';

// Model inputs given back after inference are reused for the next image (allocate once per size), and that reuse
// changes no output: a reused array is fully rewritten, and an array someone still holds is never reused.
let wasm: Preprocessor;
/** Another WebAssembly preprocessor, never given arrays back: the reference for `wasm`. */
let freshWasm: Preprocessor;
beforeAll(async () => {
  wasm = createPreprocessor({ wasm: await loadBuiltKernels() });
  freshWasm = createPreprocessor({ wasm: await loadBuiltKernels() });
});

/** Bit-equal float arrays (NaN left in a reused array would fail). */
function expectSameBits(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  let first = -1;
  for (let i = 0; i < a.length && first < 0; i++) if (a[i] !== b[i]) first = i;
  expect(first).toBe(-1);
}

describe('ModelInputPool', () => {
  it('gives back an array of the same length, else a new one', () => {
    const pool = new ModelInputPool();
    const a = pool.take(12);
    pool.give(a);
    expect(pool.take(8)).not.toBe(a);
    expect(pool.take(12)).toBe(a);
    expect(pool.take(12)).not.toBe(a);
  });
  it('drops views on part of a buffer, detached arrays and repeats, and keeps at most perLength', () => {
    const pool = new ModelInputPool(2);
    const whole = new Float32Array(16);
    pool.give(whole.subarray(0, 8));
    expect(pool.take(8).buffer).not.toBe(whole.buffer);
    const detached = new Float32Array(8);
    structuredClone(detached.buffer, { transfer: [detached.buffer] });
    expect(detached.length).toBe(0);
    pool.give(detached);
    const [a, b, c] = [new Float32Array(4), new Float32Array(4), new Float32Array(4)];
    pool.give(a);
    pool.give(a);
    pool.give(b);
    pool.give(c);
    const taken = [pool.take(4), pool.take(4), pool.take(4)];
    expect(taken.slice(0, 2).sort()).toEqual([b, a].sort());
    expect(taken.filter((t) => t === a || t === b)).toHaveLength(2);
    expect(taken[2] === c).toBe(false);
  });
});

describe('preprocessors reuse recycled inputs without changing a bit', () => {
  const side = fc.integer({ min: 1, max: 500 });
  it('a recycled (NaN-filled) array is rewritten to exactly a fresh preprocessor’s input, both backends', () => {
    fc.assert(
      fc.property(
        side,
        side,
        fc.constantFrom<1 | 2 | 3 | 4>(1, 3, 4),
        fc.integer({ min: 32, max: 400 }),
        fc.constantFrom<3 | 4>(3, 4),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (width, height, channels, scale, modelChannels, seed) => {
          const image = randomImage(width, height, channels, seed);
          // Each backend against a preprocessor of its own kind that never reuses an array (the backends' FreqAux
          // differ in f64 summation order, so each is compared with itself).
          for (const [preprocessor, reference] of [
            [wasm, freshWasm],
            [createPreprocessor(), createPreprocessor()],
          ] as const) {
            const expected = reference.prepare(image).modelInput(scale, modelChannels);
            const old = preprocessor.prepare(randomImage(37, 23, 3, seed + 1)).modelInput(scale, modelChannels);
            old.fill(Number.NaN);
            preprocessor.recycle?.(old);
            const input = preprocessor.prepare(image).modelInput(scale, modelChannels);
            expect(input).toBe(old);
            expectSameBits(input, expected);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('RGBA with odd row counts in and out: the kernels’ resize equals resizeBilinear(toRgb(image))', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 150 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (width, halfHeight, outWidth, halfOutHeight, seed) => {
          const image = randomImage(width, 2 * halfHeight + 1, 4, seed);
          const outHeight = 2 * halfOutHeight + 1;
          const expected = resizeBilinear(toRgb(image), outWidth, outHeight).data;
          expect(Buffer.from(wasm.prepare(image).resized(outWidth, outHeight).data).equals(Buffer.from(expected))).toBe(
            true,
          );
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** Logits from the input's mean; records every input array it ran and checks none changed during its run. */
class RecordingSession implements ModelSession {
  readonly inputNames = ['input'];
  readonly outputNames = ['logits'];
  readonly inputChannels = 4;
  readonly seen: Float32Array[] = [];
  /** Resolved by the test to let a held run finish. */
  hold: Promise<void> | null = null;
  async run(input: Float32Array, _dims: TensorDims): Promise<Float32Array> {
    this.seen.push(input);
    const before = input.slice();
    if (this.hold) await this.hold;
    for (let i = 0; i < input.length; i++) {
      if (!Object.is(input[i], before[i])) throw new Error(`input changed during the run at ${i}`);
    }
    let sum = 0;
    for (let i = 0; i < input.length; i++) sum += input[i];
    return Float32Array.from([0, sum / input.length]);
  }
  async dispose(): Promise<void> {}
}

describe('classifiers give inputs back only when nothing uses them', () => {
  it('classify reuses the previous call’s arrays; arrays a caller holds from prepare() are never reused', async () => {
    const session = new RecordingSession();
    const classifier = createBlurClassifier(session, { scales: [64, 96], preprocessor: wasm });
    const image = randomImage(300, 200, 3, 5);
    const first = await classifier.classify(image);
    const held = classifier.prepare(image);
    const heldCopy = held.inputs.map((a) => a.slice());
    const second = await classifier.classify(randomImage(200, 300, 3, 6));
    const third = await classifier.classify(image);
    expect(third).toEqual(first);
    expect(second.probBlurred).not.toBe(first.probBlurred);
    // classify 1 gave its arrays back; prepare() took them and keeps them; classify 2 and 3 share new ones.
    expect(held.inputs).toEqual(session.seen.slice(0, 2));
    expect(session.seen[2]).not.toBe(session.seen[0]);
    expect(session.seen.slice(4)).toEqual(session.seen.slice(2, 4));
    for (const [i, input] of held.inputs.entries()) expectSameBits(input, heldCopy[i]);
  });

  it('a gate whose caller aborted keeps the run’s arrays until the run ends', async () => {
    const session = new RecordingSession();
    const gate = await createGate({
      runtime: { name: 'recording', loadModel: async () => session },
      decode: async (image: PixelImage) => image,
      model: { bytes: new Uint8Array(1) },
      options: { scales: [64], preprocessor: wasm },
    });
    let release = (): void => {};
    session.hold = new Promise((resolve) => {
      release = resolve;
    });
    const controller = new AbortController();
    const aborted = gate.classify(randomImage(120, 80, 3, 1), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    // The first run still holds its input: the next image must not be written into it.
    const next = gate.classify(randomImage(90, 140, 3, 2));
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    await next;
    expect(session.seen).toHaveLength(2);
    expect(session.seen[1]).not.toBe(session.seen[0]);
    session.hold = null;
    // After both runs ended their arrays are back: the next classification reuses one.
    await gate.classify(randomImage(100, 100, 3, 3));
    expect(session.seen.slice(0, 2)).toContain(session.seen[2]);
    await gate.dispose();
  });
});
