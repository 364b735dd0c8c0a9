import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BlurgateError } from '@blurgate/core';
import { describe, expect, it } from 'vitest';
import { type CheckpointTensor, convertStateDict, readCheckpoint } from '../../src/checkpoint/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/checkpoints/', import.meta.url));
const small = readCheckpoint(new Uint8Array(readFileSync(`${FIXTURES}small.pt`)));

function failure(sd: ReadonlyMap<string, CheckpointTensor>, freqAuxInGraph = false): string {
  try {
    convertStateDict(sd, { freqAuxInGraph });
  } catch (error) {
    expect(error).toBeInstanceOf(BlurgateError);
    expect((error as BlurgateError).code).toBe('CONVERSION_FAILED');
    return (error as Error).message;
  }
  throw new Error('conversion did not fail');
}

function without(key: string): Map<string, CheckpointTensor> {
  const sd = new Map(small);
  expect(sd.delete(key)).toBe(true);
  return sd;
}

function reshaped(key: string, shape: number[]): Map<string, CheckpointTensor> {
  const sd = new Map(small);
  const t = sd.get(key) as CheckpointTensor & { values: Float32Array };
  sd.set(key, { dtype: 'float32', shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  expect(t).toBeDefined();
  return sd;
}

describe('conversion refuses what it cannot convert, naming the key and what was expected', () => {
  it('a missing key', () => {
    const message = failure(without('backbone.features.4.block.1.1.running_var'));
    expect(message).toContain('backbone.features.4.block.1.1.running_var is missing');
    expect(message).toMatch(/expected a \d+ tensor/);
  });

  it('a depthwise kernel of the wrong size', () => {
    const key = 'backbone.features.4.block.1.0.weight';
    const shape = [...(small.get(key) as CheckpointTensor).shape];
    const message = failure(reshaped(key, [shape[0] as number, 1, 3, 3]));
    expect(message).toContain(`${key} has shape ${shape[0]}×1×3×3, expected ${shape[0]}×1×5×5`);
  });

  it('a head that is not 2 logits', () => {
    const message = failure(
      reshaped('backbone.classifier.3.weight', [
        1000,
        (small.get('backbone.classifier.3.weight') as CheckpointTensor).shape[1] as number,
      ]),
    );
    expect(message).toContain('backbone.classifier.3.weight has shape 1000×');
    expect(message).toContain('2 logits');
  });

  it('a 3-channel stem (a plain torchvision model without FreqAux)', () => {
    const message = failure(reshaped('backbone.features.0.0.weight', [8, 3, 3, 3]));
    expect(message).toContain('backbone.features.0.0.weight has shape 8×3×3×3, expected N×4×3×3');
  });

  it('a mis-shaped FreqAux buffer when FreqAux goes into the graph', () => {
    expect(failure(reshaped('freq_aux.kernel', [1, 1, 5, 5]), true)).toContain(
      'freq_aux.kernel has shape 1×1×5×5, expected 1×1×3×3',
    );
  });

  it('an unknown architecture', () => {
    const resnet = new Map<string, CheckpointTensor>([
      ['conv1.weight', { dtype: 'float32', shape: [64, 3, 7, 7], values: new Float32Array(64 * 147) }],
    ]);
    expect(failure(resnet)).toContain('unknown architecture');
    const truncated = new Map([...small].filter(([k]) => !k.startsWith('backbone.features.12.')));
    expect(failure(truncated)).toContain('expected 17 for mobilenet_v3_large or 13 for mobilenet_v3_small');
  });

  it('keys the network does not use', () => {
    const sd = new Map(small);
    sd.set('backbone.extra_head.weight', { dtype: 'float32', shape: [2], values: new Float32Array(2) });
    expect(failure(sd)).toContain('backbone.extra_head.weight');
  });
});
