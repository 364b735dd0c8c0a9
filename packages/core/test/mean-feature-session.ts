import type { ModelSession, TensorDims } from '../src/index.js';

/**
 * The TS twin of `MeanFeatureModel` in tools/fixtures/make_core_fixtures.py:
 * logits = W @ [mean(x_c) per channel, mean(|x_c|) per channel] + b.
 */
export class MeanFeatureSession implements ModelSession {
  readonly inputNames = ['input'];
  readonly outputNames = ['logits'];
  readonly calls: TensorDims[] = [];
  disposed = false;

  constructor(
    readonly inputChannels: 3 | 4,
    private readonly weight: number[][],
    private readonly bias: number[],
  ) {}

  async run(input: Float32Array, dims: TensorDims): Promise<Float32Array> {
    this.calls.push(dims);
    const [batch, channels, height, width] = dims;
    if (batch !== 1 || channels !== this.inputChannels || input.length !== channels * height * width) {
      throw new Error(`unexpected input ${dims.join('×')} (${input.length} values)`);
    }
    const plane = height * width;
    const features: number[] = [];
    const absFeatures: number[] = [];
    for (let c = 0; c < channels; c++) {
      let sum = 0;
      let absSum = 0;
      for (let i = c * plane; i < (c + 1) * plane; i++) {
        sum += input[i];
        absSum += Math.abs(input[i]);
      }
      features.push(sum / plane);
      absFeatures.push(absSum / plane);
    }
    const all = [...features, ...absFeatures];
    return Float32Array.from(this.weight.map((row, k) => row.reduce((acc, w, j) => acc + w * all[j], this.bias[k])));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}
