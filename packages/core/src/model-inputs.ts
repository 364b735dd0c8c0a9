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
  /**
   * {@link deferModelInputs} only: build every scale at once instead of the first only (for sessions that hold the
   * calling thread while they run: nothing would overlap, and the image stays resident in the preprocessor).
   */
  readonly buildAll?: boolean;
}

/**
 * Model inputs handed out one scale at a time: `input(index)` returns the input at `scales[index]`, and a source may
 * build it on that call. The scale loop (`runModelInputs`) asks for scale k+1 right after it has started scale k's
 * run and before awaiting it, so a session that runs off the calling thread overlaps the model with preprocessing.
 */
export interface ModelInputSource {
  readonly channels: 3 | 4;
  readonly scales: readonly number[];
  /** The input at `scales[index]`; asked for once per index, in order. */
  input(index: number): Float32Array;
}

/** A {@link ModelInputSource} that builds its inputs on request from an image already checked and bound. */
export interface DeferredModelInputs extends ModelInputSource {
  /**
   * Gives every input built so far back to the preprocessor (see {@link recycleModelInputs}); nobody may read them
   * afterwards, and the source builds no more.
   */
  recycle(): void;
}

/**
 * Checks an image, binds it to the preprocessor and builds the input at the first scale now (every scale with
 * `request.buildAll`); the other scales are built when the scale loop asks for them, each beside the previous scale's
 * run (see {@link ModelInputSource}).
 * The arithmetic is {@link prepareModelInputs}'s (which is this, with every scale built at once): the arrays are
 * bit-identical. The source reads `image.data` until its last scale is built: do not change the pixels before then.
 *
 * @param image - decoded pixels, 1-4 channels.
 * @param request - `scales`, `channels`, `minSide` and the `preprocessor`.
 * @returns the source; `recycle()` it once its runs have finished.
 * @throws ImageInputError('INVALID_IMAGE') for malformed or too small pixels.
 * @example
 * const inputs = deferModelInputs(pixels, { scales: [256, 384], channels: 4, minSide: 16, preprocessor });
 * try { return await runModelInputs(session, inputs); } finally { inputs.recycle(); }
 */
export function deferModelInputs(image: PixelImage, request: ModelInputsRequest): DeferredModelInputs {
  const valid = assertPixelImage(image);
  const { minSide, channels, preprocessor } = request;
  if (valid.width < minSide || valid.height < minSide) {
    throw new ImageInputError(
      'INVALID_IMAGE',
      `image is ${valid.width}×${valid.height} pixels; blurgate needs at least ${minSide}×${minSide}`,
    );
  }
  const scales = [...request.scales];
  const prepared = preprocessor.prepare(valid);
  const built: Float32Array[] = [];
  let recycled = false;
  const input = (index: number): Float32Array => {
    if (recycled) {
      throw new ModelError('RUNTIME_FAILED', 'these model inputs were recycled; build them again from the image');
    }
    if (!Number.isInteger(index) || index < 0 || index >= scales.length) {
      throw new ModelError('RUNTIME_FAILED', `no model input ${String(index)}: there are ${scales.length} scales`);
    }
    built[index] ??= prepared.modelInput(scales[index], channels);
    return built[index];
  };
  for (let index = 0; index < (request.buildAll ? scales.length : Math.min(1, scales.length)); index++) input(index);
  return {
    channels,
    scales,
    input,
    recycle(): void {
      if (recycled) return;
      recycled = true;
      if (preprocessor.recycle === undefined) return;
      for (const array of built) if (array !== undefined) preprocessor.recycle(array);
    },
  };
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
  const deferred = deferModelInputs(image, { ...request, buildAll: true });
  const { channels, scales } = deferred;
  return { channels, scales, inputs: scales.map((_, index) => deferred.input(index)) };
}

/** Ready inputs as a {@link ModelInputSource} (`input(i)` is `inputs.inputs[i]`). */
export function modelInputSource(inputs: ModelInputs | ModelInputSource): ModelInputSource {
  if (!('inputs' in inputs)) return inputs;
  const { channels, scales } = inputs;
  return { channels, scales, input: (index: number): Float32Array => inputs.inputs[index] };
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
