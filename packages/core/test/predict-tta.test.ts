import { describe, expect, it } from 'vitest';
import {
  createBlurClassifier,
  DEFAULT_SCALES,
  FAST_SCALES,
  ImageInputError,
  ModelError,
  type ModelSession,
  OptionError,
  predictTta,
  toRgb,
} from '../src/index.js';
import type { TtaFixture } from './golden-cases.js';
import { imageFromBase64, loadFixture } from './load-fixture.js';
import { MeanFeatureSession } from './mean-feature-session.js';

const fixture = loadFixture<TtaFixture>('tta.json');
const TOLERANCE = 1e-5;

function session(channels: 3 | 4): MeanFeatureSession {
  const model = fixture.models[channels === 3 ? '3' : '4'];
  return new MeanFeatureSession(channels, model.weight, model.bias);
}

describe('predictTta and createBlurClassifier against the torch reference', () => {
  for (const c of fixture.cases) {
    for (const channels of [3, 4] as const) {
      const expected = c.results[channels === 3 ? '3' : '4'];
      const image = imageFromBase64(c.data, c.width, c.height, c.channels);

      it(`${c.name}, ${channels}-channel model: predictTta`, async () => {
        const mock = session(channels);
        const tta = await predictTta(mock, toRgb(image), fixture.scales);
        expect(mock.calls).toEqual(fixture.scales.map((s) => [1, channels, s, s]));
        expect(tta.scales.map((s) => s.scale)).toEqual(fixture.scales);
        tta.scales.forEach((s, i) => {
          expect(Math.abs(s.probSharp - expected.perScale[i].probSharp)).toBeLessThan(TOLERANCE);
          expect(Math.abs(s.probBlurred - expected.perScale[i].probBlurred)).toBeLessThan(TOLERANCE);
        });
        expect(Math.abs(tta.probSharp - expected.probSharp)).toBeLessThan(TOLERANCE);
        expect(Math.abs(tta.probBlurred - expected.probBlurred)).toBeLessThan(TOLERANCE);
      });

      it(`${c.name}, ${channels}-channel model: classify`, async () => {
        const classifier = createBlurClassifier(session(channels), { scales: fixture.scales });
        const prediction = await classifier.classify(image);
        expect(prediction.label).toBe(expected.label);
        expect(Math.abs(prediction.confidence - expected.confidence)).toBeLessThan(TOLERANCE);
        expect(Math.abs(prediction.probBlurred - expected.probBlurred)).toBeLessThan(TOLERANCE);
        expect(prediction.scales).toHaveLength(fixture.scales.length);
      });
    }
  }

  it('the fixture exercises more than one label', () => {
    const labels = new Set(fixture.cases.flatMap((c) => [c.results['3'].label, c.results['4'].label]));
    expect(labels.size).toBeGreaterThan(1);
  });
});

function fixedSession(logits: number[], inputChannels: 3 | 4 = 4): ModelSession {
  return {
    inputNames: ['input'],
    outputNames: ['logits'],
    inputChannels,
    run: async () => Float32Array.from(logits),
    dispose: async () => {},
  };
}

const small = { data: new Uint8Array(16 * 16 * 3).fill(90), width: 16, height: 16, channels: 3 as const };

describe('createBlurClassifier options', () => {
  it('defaults to the 5-scale recipe and 0.60/0.50', () => {
    const classifier = createBlurClassifier(fixedSession([0, 0]));
    expect(classifier.scales).toEqual(DEFAULT_SCALES);
    expect(classifier.thresholds).toEqual({ confidenceThreshold: 0.6, blurThreshold: 0.5 });
  });
  it('fast is single-scale 384', () => {
    expect(createBlurClassifier(fixedSession([0, 0]), { fast: true }).scales).toEqual(FAST_SCALES);
  });
  it('routes with the given thresholds', async () => {
    // softmax([0, 1]) = [0.269, 0.731]
    const session = fixedSession([0, 1]);
    expect((await createBlurClassifier(session, { scales: [16] }).classify(small)).label).toBe('blurred');
    const strict = createBlurClassifier(session, { scales: [16], confidenceThreshold: 0.8 });
    expect((await strict.classify(small)).label).toBe('uncertain');
    const lenient = createBlurClassifier(session, { scales: [16], blurThreshold: 0.75 });
    expect((await lenient.classify(small)).label).toBe('sharp');
  });
  it.each([
    [{ scales: [] }, /non-empty/],
    [{ scales: [256, 0] }, /positive integers, got 0/],
    [{ scales: [384.5] }, /positive integers/],
    [{ scales: [256], fast: true }, /either scales or fast/],
    [{ confidenceThreshold: 1.5 }, /confidenceThreshold must be a number between 0 and 1, got 1.5/],
    [{ blurThreshold: Number.NaN }, /blurThreshold/],
    [{ minSide: 0 }, /minSide/],
  ])('refuses %o', (options, message) => {
    expect(() => createBlurClassifier(fixedSession([0, 0]), options)).toThrow(OptionError);
    expect(() => createBlurClassifier(fixedSession([0, 0]), options)).toThrow(message);
  });
  it('refuses a session that takes neither 3 nor 4 channels, at creation', async () => {
    expect(() => createBlurClassifier(fixedSession([0, 0], 1 as 3))).toThrow(ModelError);
    expect(() => createBlurClassifier(fixedSession([0, 0], 1 as 3))).toThrow(/takes 1 input channels/);
    await expect(predictTta(fixedSession([0, 0], 5 as 4), small, [16])).rejects.toMatchObject({
      code: 'UNSUPPORTED_MODEL',
    });
  });
});

describe('classify errors', () => {
  const classifier = createBlurClassifier(fixedSession([1, 0]), { scales: [16] });
  it('refuses an image smaller than minSide with an actionable message', async () => {
    const tiny = { data: new Uint8Array(3), width: 1, height: 1, channels: 3 as const };
    await expect(classifier.classify(tiny)).rejects.toThrow(ImageInputError);
    await expect(classifier.classify(tiny)).rejects.toThrow('image is 1×1 pixels; blurgate needs at least 16×16');
  });
  it('honours a custom minSide', async () => {
    const tiny = { data: new Uint8Array(8 * 20 * 3), width: 8, height: 20, channels: 3 as const };
    await expect(
      createBlurClassifier(fixedSession([1, 0]), { scales: [16], minSide: 8 }).classify(tiny),
    ).resolves.toMatchObject({
      label: 'sharp',
    });
  });
  it('refuses malformed pixels', async () => {
    await expect(classifier.classify({ ...small, data: new Uint8Array(5) })).rejects.toMatchObject({
      code: 'INVALID_IMAGE',
    });
  });
  it('stops between scales when the signal is aborted', async () => {
    const controller = new AbortController();
    const mock = new MeanFeatureSession(4, fixture.models['4'].weight, fixture.models['4'].bias);
    const run = mock.run.bind(mock);
    mock.run = async (input, dims) => {
      controller.abort();
      return run(input, dims);
    };
    const classify = createBlurClassifier(mock, { scales: [16, 24, 32] }).classify(small, {
      signal: controller.signal,
    });
    await expect(classify).rejects.toMatchObject({ code: 'ABORTED', message: 'classification was aborted' });
    expect(mock.calls).toHaveLength(1);
    await expect(predictTta(mock, small, [16], { signal: controller.signal })).rejects.toMatchObject({
      code: 'ABORTED',
    });
  });
  it('wraps runtime failures and bad outputs as ModelError RUNTIME_FAILED', async () => {
    const failing: ModelSession = {
      ...fixedSession([0, 0]),
      run: async () => {
        throw new Error('boom');
      },
    };
    await expect(predictTta(failing, small, [16])).rejects.toMatchObject({
      code: 'RUNTIME_FAILED',
      message: /scale 16: boom/,
    });
    await expect(predictTta(fixedSession([1]), small, [16])).rejects.toMatchObject({ code: 'RUNTIME_FAILED' });
    await expect(predictTta(fixedSession([Number.NaN, 0]), small, [16])).rejects.toThrow(/finite logits/);
  });
});
