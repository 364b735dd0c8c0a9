import { describe, expect, it } from 'vitest';
import { convertCheckpoint, readCheckpoint } from '../../src/checkpoint/index.js';
import { runOnnx } from './ort.js';
import { randomReferenceStateDict, writeTorchSave } from './torch-save-writer.js';

// The full-size MobileNetV3-Large path (the published best.pt's shapes, ~4.2 M parameters), built in
// TypeScript so CI needs no Python: random tensors of the reference's keys and shapes in a torch.save ZIP.
describe('full-size MobileNetV3-Large checkpoint', () => {
  const tensors = randomReferenceStateDict('mobilenet_v3_large', 1, 7);
  const checkpoint = writeTorchSave(tensors, 'best');

  it('has the reference layout: 16×4×3×3 stem, 960-channel last conv, 1280→2 head, 4.2 M parameters', () => {
    const sd = readCheckpoint(checkpoint);
    expect(sd.get('backbone.features.0.0.weight')?.shape).toEqual([16, 4, 3, 3]);
    expect(sd.get('backbone.features.16.0.weight')?.shape).toEqual([960, 160, 1, 1]);
    expect(sd.get('backbone.classifier.3.weight')?.shape).toEqual([2, 1280]);
    expect(sd.size).toBe(tensors.size);
  });

  it.each([false, true])(
    'converts (freqAuxInGraph=%s) and runs in onnxruntime-node with a dynamic batch and size',
    async (freqAuxInGraph) => {
      const converted = await convertCheckpoint(checkpoint, { freqAuxInGraph });
      expect(converted.architecture).toBe('mobilenet_v3_large');
      expect(converted.parameterCount).toBe(4_204_738); // torchvision's count for this model (4-channel stem, 2 logits)
      const channels = converted.inputChannels;
      for (const [batch, size] of [
        [2, 224],
        [1, 97],
      ] as const) {
        const input = new Float32Array(batch * channels * size * size).map((_, i) => Math.sin(i * 0.37));
        const { logits, dims } = await runOnnx(converted.onnx, input, [batch, channels, size, size]);
        expect(dims).toEqual([batch, 2]);
        expect([...logits].every(Number.isFinite)).toBe(true);
      }
    },
  );
});
