import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlurGate, createBlurGate, createOnnxRuntime } from '../src/index.js';
import { IMAGES, reference, TINY_3CH, TINY_4CH } from './helpers.js';

// PyTorch (blurgate_reference.predict on Pillow-decoded PNGs) vs sharp + core + onnxruntime-node.
const TOLERANCE = 1e-4;
const names = Object.keys(reference.predictions).sort();
const runtime = createOnnxRuntime();

describe.each([
  ['4-channel model (FreqAux in core)', TINY_4CH, 4],
  ['3-channel model (FreqAux in the graph)', TINY_3CH, 3],
])('parity with PyTorch: %s', (_title, modelPath, channels) => {
  let gate: BlurGate;
  let fast: BlurGate;
  beforeAll(async () => {
    gate = await createBlurGate({ model: modelPath, runtime });
    fast = await createBlurGate({ model: modelPath, runtime, fast: true });
  });
  afterAll(async () => {
    await gate.dispose();
    await fast.dispose();
  });

  it('reads the input channel count from the model', () => {
    expect(gate.model.inputChannels).toBe(channels);
    expect(gate.scales).toEqual(reference.scales);
  });

  it('matches per-scale and TTA probabilities within 1e-4 and the labels exactly', async () => {
    expect(names.length).toBeGreaterThanOrEqual(8);
    const labels = new Set<string>();
    for await (const result of gate.classifyMany(names.map((n) => join(IMAGES, n)))) {
      const name = result.input.split('/').pop()!;
      const expected = reference.predictions[name];
      if (result.status !== 'ok') throw new Error(`${name}: ${result.error.message}`);
      expect(result.label, name).toBe(expected.label);
      expect(Math.abs(result.probSharp - expected.probSharp), name).toBeLessThan(TOLERANCE);
      expect(Math.abs(result.probBlurred - expected.probBlurred), name).toBeLessThan(TOLERANCE);
      expect(Math.abs(result.confidence - expected.confidence), name).toBeLessThan(TOLERANCE);
      expect(result.scales.map((s) => s.scale)).toEqual(expected.scales.map((s) => s.scale));
      result.scales.forEach((s, i) => {
        expect(Math.abs(s.probBlurred - expected.scales[i].probBlurred), `${name} @${s.scale}`).toBeLessThan(TOLERANCE);
        expect(Math.abs(s.probSharp - expected.scales[i].probSharp), `${name} @${s.scale}`).toBeLessThan(TOLERANCE);
      });
      labels.add(result.label);
    }
    // The fixtures exercise every routing outcome.
    expect([...labels].sort()).toEqual(['blurred', 'sharp', 'uncertain']);
  });

  it('matches the single-scale 384 (fast) reference', async () => {
    for await (const result of fast.classifyMany(names.map((n) => join(IMAGES, n)))) {
      const name = result.input.split('/').pop()!;
      const expected = reference.predictions[name].fast;
      if (result.status !== 'ok') throw new Error(`${name}: ${result.error.message}`);
      expect(result.scales.map((s) => s.scale)).toEqual([384]);
      expect(result.label, name).toBe(expected.label);
      expect(Math.abs(result.probBlurred - expected.probBlurred), name).toBeLessThan(TOLERANCE);
    }
  });
});
