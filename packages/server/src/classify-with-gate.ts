import { BlurgateError, type BlurPrediction, type ClassifyFailure, type PixelImage } from '@blurgate/core';
import { type BlurGate, decodeImage } from '@blurgate/node';
import type { ClassifyOutcome } from './image-classifier.js';

/** A gate that also classifies decoded pixels (so decoding can be timed on its own), when it has that method. */
type PixelGate = BlurGate & { classifyPixels(image: PixelImage): Promise<BlurPrediction> };

function takesPixels(gate: BlurGate): gate is PixelGate {
  return typeof (gate as Partial<PixelGate>).classifyPixels === 'function';
}

/** A per-image failure record; anything that is not a BlurgateError is reported without its details. */
export function failureOf(error: unknown): ClassifyFailure {
  if (error instanceof BlurgateError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL_ERROR', message: 'the image could not be classified because of an internal error' };
}

export interface ClassifyWithGateOptions {
  /** The gate's pixel limit, for the separate decode. */
  readonly maxPixels?: number;
  /** Milliseconds the model ran since the last call (see createTimedSharedRuntime). */
  readonly takeInferenceMs?: () => number;
}

/**
 * Classifies one encoded image with a node gate and says where the time went. With a gate that has
 * `classifyPixels`, decoding is timed on its own; otherwise decode and preprocessing are one figure.
 */
export async function classifyWithGate(
  gate: BlurGate,
  bytes: Uint8Array,
  options: ClassifyWithGateOptions = {},
): Promise<ClassifyOutcome> {
  const start = performance.now();
  options.takeInferenceMs?.();
  let decodeMs: number | undefined;
  try {
    let prediction: BlurPrediction;
    if (takesPixels(gate)) {
      const image = await decodeImage(bytes, { maxPixels: options.maxPixels });
      decodeMs = performance.now() - start;
      prediction = await gate.classifyPixels(image);
    } else {
      prediction = await gate.classify(bytes);
    }
    const classifyMs = performance.now() - start;
    const inferenceMs = options.takeInferenceMs?.();
    if (inferenceMs === undefined) return { status: 'ok', prediction, timings: { classifyMs } };
    const rest = Math.max(0, classifyMs - inferenceMs);
    return {
      status: 'ok',
      prediction,
      timings:
        decodeMs === undefined
          ? { classifyMs, inferenceMs, decodeAndPreprocessingMs: rest }
          : { classifyMs, inferenceMs, decodeMs, preprocessingMs: Math.max(0, rest - decodeMs) },
    };
  } catch (error) {
    options.takeInferenceMs?.();
    return { status: 'error', error: failureOf(error), timings: { classifyMs: performance.now() - start } };
  }
}
