import { failureOf } from '@blurgate/core';
import { type BlurGate, decodeImage } from '@blurgate/node';
import type { ClassifyOutcome } from './image-classifier.js';

export interface ClassifyWithGateOptions {
  /** The gate's pixel limit, for the decode (default: @blurgate/node's). */
  readonly maxPixels?: number;
  /** Milliseconds the model ran since the last call (see createTimedSharedRuntime). */
  readonly takeInferenceMs?: () => number;
}

/**
 * Classifies one encoded image with a node gate and says where the time went: decoding is timed on
 * its own (`decodeImage`, then the gate's `classifyPixels`); preprocessing and inference are told
 * apart when the gate runs on a timed runtime (`takeInferenceMs`).
 */
export async function classifyWithGate(
  gate: BlurGate,
  bytes: Uint8Array,
  options: ClassifyWithGateOptions = {},
): Promise<ClassifyOutcome> {
  const start = performance.now();
  options.takeInferenceMs?.();
  try {
    const image = await decodeImage(bytes, { maxPixels: options.maxPixels });
    const decodeMs = performance.now() - start;
    const prediction = await gate.classifyPixels(image);
    const classifyMs = performance.now() - start;
    const inferenceMs = options.takeInferenceMs?.();
    if (inferenceMs === undefined) return { status: 'ok', prediction, timings: { classifyMs, decodeMs } };
    const preprocessingMs = Math.max(0, classifyMs - decodeMs - inferenceMs);
    return { status: 'ok', prediction, timings: { classifyMs, decodeMs, preprocessingMs, inferenceMs } };
  } catch (error) {
    options.takeInferenceMs?.();
    return { status: 'error', error: failureOf(error), timings: { classifyMs: performance.now() - start } };
  }
}
