import { ModelError } from './errors.js';

/**
 * The part of an ONNX Runtime input description (`InferenceSession.inputMetadata[i]`, the same
 * shape in onnxruntime-node and onnxruntime-web) that {@link readInputChannels} reads.
 */
export interface ModelInputMetadata {
  readonly name?: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: readonly (number | string)[];
}

/**
 * The channel dimension of a model's image input (NCHW float32): 3 or 4. Runtimes call this on
 * their session's first input, so every platform accepts and refuses the same models.
 *
 * @param input - The first input's metadata, or undefined when the model has none.
 * @returns 3 (FreqAux inside the graph) or 4 (RGB + FreqAux computed by core).
 * @throws {@link ModelError} `UNSUPPORTED_MODEL` naming what the model has instead.
 */
export function readInputChannels(input: ModelInputMetadata | undefined): 3 | 4 {
  if (!input?.isTensor) {
    throw new ModelError('UNSUPPORTED_MODEL', 'the model has no tensor input; expected one NCHW float32 input');
  }
  if (input.type !== undefined && input.type !== 'float32') {
    throw new ModelError('UNSUPPORTED_MODEL', `model input is ${input.type}; expected float32`);
  }
  const shape = input.shape ?? [];
  if (shape.length !== 4) {
    throw new ModelError(
      'UNSUPPORTED_MODEL',
      `model input has ${shape.length} dimensions [${shape.join(', ')}]; expected 4 (batch, channels, height, width)`,
    );
  }
  const channels = shape[1];
  if (channels !== 3 && channels !== 4) {
    throw new ModelError('UNSUPPORTED_MODEL', `model input has ${String(channels)} channels; expected 3 or 4`);
  }
  return channels;
}
