import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { convertCheckpoint } from '../../src/checkpoint/index.js';
import { readCheckpointReference } from './checkpoint-reference.js';
import { normalisedPattern, withFreqAux } from './pattern-images.js';

// The browser runtime: onnxruntime-web's wasm backend (the same build browsers load), run in Node.
// Opset 17 and every op the converter emits must be supported there too.
const FIXTURES = fileURLToPath(new URL('../fixtures/checkpoints/', import.meta.url));
const expected = readCheckpointReference();
ort.env.wasm.numThreads = 1;

describe('converted models run in onnxruntime-web (wasm) with PyTorch parity', () => {
  it.each([false, true])('large.pt, freqAuxInGraph=%s, at 256', async (freqAuxInGraph) => {
    const { onnx, inputChannels } = await convertCheckpoint(new Uint8Array(readFileSync(`${FIXTURES}large.pt`)), {
      freqAuxInGraph,
    });
    const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
    try {
      for (const [kind, name] of ['checker', 'gradient', 'rings'].entries()) {
        const rgb = normalisedPattern(kind, 256);
        const input = inputChannels === 3 ? rgb : withFreqAux(rgb, 256);
        const result = await session.run({ input: new ort.Tensor('float32', input, [1, inputChannels, 256, 256]) });
        const logits = (result.logits as ort.Tensor).data as Float32Array;
        const [a, b] = (expected.models['large.pt'].outputs[name] as { logits: Record<string, [number, number]> })
          .logits['256'] as [number, number];
        expect(Math.abs((logits[0] as number) - a), name).toBeLessThan(1e-4);
        expect(Math.abs((logits[1] as number) - b), name).toBeLessThan(1e-4);
      }
    } finally {
      await session.release();
    }
  });
});
