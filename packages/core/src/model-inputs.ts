import { ImageInputError, ModelError } from './errors.js';
import { assertPixelImage } from './image-validation.js';
import type { PixelImage } from './pixel-image.js';
import type { Preprocessor } from './preprocessor.js';

/**
 * One image's model inputs, ready for inference: one `channels × scale × scale` float32 CHW array per TTA scale,
 * in scale order. Building them (decode, resize, normalise, FreqAux) is separate from running them so a gate can
 * prepare the next images while the model runs (in the same thread between runs, or in worker threads, whose
 * arrays are transferred, not copied).
 */
export interface ModelInputs {
  readonly channels: 3 | 4;
  readonly scales: readonly number[];
  /** `inputs[i]` is the input at `scales[i]`. */
  readonly inputs: readonly Float32Array[];
}

/** What {@link prepareModelInputs} needs besides the image. */
export interface ModelInputsRequest {
  readonly scales: readonly number[];
  readonly channels: 3 | 4;
  /** Images smaller than this on either side are refused (`INVALID_IMAGE`). */
  readonly minSide: number;
  readonly preprocessor: Preprocessor;
}

/**
 * Checks an image and builds its model inputs at every scale with `preprocessor` (the same arithmetic as
 * `predictTta`: the arrays are bit-identical whichever thread builds them).
 *
 * @param image - decoded pixels, 1-4 channels.
 * @param request - `scales`, `channels`, `minSide` and the `preprocessor`.
 * @returns the inputs, one per scale.
 * @throws ImageInputError('INVALID_IMAGE') for malformed or too small pixels.
 * @example
 * const inputs = prepareModelInputs(pixels, { scales: [384], channels: 4, minSide: 16, preprocessor });
 */
export function prepareModelInputs(image: PixelImage, request: ModelInputsRequest): ModelInputs {
  const valid = assertPixelImage(image);
  const { minSide, scales, channels } = request;
  if (valid.width < minSide || valid.height < minSide) {
    throw new ImageInputError(
      'INVALID_IMAGE',
      `image is ${valid.width}×${valid.height} pixels; blurgate needs at least ${minSide}×${minSide}`,
    );
  }
  const prepared = request.preprocessor.prepare(valid);
  return { channels, scales: [...scales], inputs: scales.map((scale) => prepared.modelInput(scale, channels)) };
}

/**
 * Gives the arrays of inputs that were built by {@link prepareModelInputs} on this thread and are no longer used
 * (inference has finished with them) back to their preprocessor, for the next image's inputs.
 *
 * @param inputs - the inputs; nobody may read them afterwards.
 * @param preprocessor - the preprocessor that built them (one without `recycle` keeps nothing).
 * @example
 * try { return await runModelInputs(session, inputs); } finally { recycleModelInputs(inputs, preprocessor); }
 */
export function recycleModelInputs(inputs: ModelInputs, preprocessor: Preprocessor): void {
  if (preprocessor.recycle === undefined) return;
  for (const input of inputs.inputs) preprocessor.recycle(input);
}

/**
 * Checks inputs that came from elsewhere (a worker thread) against what the model runs: the same scales in the
 * same order, the same channels, and arrays of the right length.
 *
 * @returns `inputs`.
 * @throws ModelError('RUNTIME_FAILED') when they do not match (a platform bug, not the image's fault).
 */
export function checkModelInputs(inputs: ModelInputs, scales: readonly number[], channels: 3 | 4): ModelInputs {
  const fits =
    inputs.channels === channels &&
    inputs.scales.length === scales.length &&
    inputs.inputs.length === scales.length &&
    scales.every(
      (scale, i) =>
        inputs.scales[i] === scale &&
        inputs.inputs[i] instanceof Float32Array &&
        inputs.inputs[i].length === channels * scale * scale,
    );
  if (!fits) {
    throw new ModelError(
      'RUNTIME_FAILED',
      `prepared model inputs do not match the model: got scales [${inputs.scales.join(', ')}] × ${inputs.channels} channels, expected [${scales.join(', ')}] × ${channels}`,
    );
  }
  return inputs;
}
