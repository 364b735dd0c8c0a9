import type { InferenceRuntime, ModelSession, TensorDims } from '@blurgate/core';

/** Inference time spent by a {@link TimedSharedRuntime} since the last {@link TimedSharedRuntime.takeInferenceMs}. */
export interface TimedSharedRuntime extends InferenceRuntime {
  /** Milliseconds spent in `run` since the last call, and resets the count. */
  takeInferenceMs(): number;
  /** Frees the one session (the gates' own `dispose` leaves it alone). */
  disposeShared(): Promise<void>;
}

/**
 * Wraps a runtime so that every gate made with it shares one model session (a gate per TTA scale set
 * then costs no extra model memory) and the time spent inside the model is counted. One worker thread
 * runs one image at a time, so the count belongs to the image in progress.
 */
export function createTimedSharedRuntime(base: InferenceRuntime): TimedSharedRuntime {
  let shared: Promise<ModelSession> | null = null;
  let inferenceMs = 0;
  return {
    name: base.name,
    async loadModel(modelBytes: Uint8Array): Promise<ModelSession> {
      // One server serves one model: the bytes are the same for every gate.
      shared ??= base.loadModel(modelBytes);
      shared.catch(() => {
        shared = null;
      });
      const session = await shared;
      return {
        inputNames: session.inputNames,
        outputNames: session.outputNames,
        inputChannels: session.inputChannels,
        async run(input: Float32Array, dims: TensorDims): Promise<Float32Array> {
          const start = performance.now();
          try {
            return await session.run(input, dims);
          } finally {
            inferenceMs += performance.now() - start;
          }
        },
        async dispose(): Promise<void> {},
      };
    },
    takeInferenceMs(): number {
      const ms = inferenceMs;
      inferenceMs = 0;
      return ms;
    },
    async disposeShared(): Promise<void> {
      const session = await shared?.catch(() => null);
      shared = null;
      await session?.dispose();
    },
  };
}
