import * as ort from 'onnxruntime-node';

/** Runs an ONNX model on one NCHW float32 input and returns its `logits` output and dims. */
export async function runOnnx(
  model: Uint8Array,
  input: Float32Array,
  dims: readonly number[],
): Promise<{ logits: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(model);
  try {
    const result = await session.run({ input: new ort.Tensor('float32', input, [...dims]) });
    const logits = result.logits as ort.Tensor;
    return { logits: logits.data as Float32Array, dims: logits.dims };
  } finally {
    await session.release();
  }
}

/** A loaded session for running many inputs. */
export async function openSession(
  model: Uint8Array,
): Promise<{ run(input: Float32Array, dims: readonly number[]): Promise<Float32Array>; close(): Promise<void> }> {
  const session = await ort.InferenceSession.create(model);
  return {
    async run(input, dims) {
      const result = await session.run({ input: new ort.Tensor('float32', input, [...dims]) });
      return (result.logits as ort.Tensor).data as Float32Array;
    },
    close: () => session.release(),
  };
}
