/** The element type a checkpoint stored a tensor in (PyTorch's storage class, lower-cased). */
export type TorchDtype =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/**
 * One tensor of a checkpoint, made contiguous (row-major). Floating tensors are widened or narrowed to
 * float32 (`values`); integer and bool tensors are kept exactly as int64 (`integers`).
 */
export type CheckpointTensor =
  | {
      readonly dtype: 'float32' | 'float64' | 'float16' | 'bfloat16';
      readonly shape: readonly number[];
      readonly values: Float32Array;
    }
  | {
      readonly dtype: 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';
      readonly shape: readonly number[];
      readonly integers: BigInt64Array;
    };

/** A state dict: parameter and buffer name → tensor, in checkpoint order. */
export type StateDict = ReadonlyMap<string, CheckpointTensor>;

/** Number of elements of a shape. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** `[16, 4, 3, 3]` → `16×4×3×3` (a scalar is `scalar`). */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}
