// The onnxruntime-node session both session placements share: built here on the main thread
// (`sessionThread: 'main'`) or inside a session thread's worker (session-worker.ts), with the same options.
import { availableParallelism } from 'node:os';
import { BlurgateError, ModelError, type ModelSession, readInputChannels, type TensorDims } from '@blurgate/core';
import * as ort from 'onnxruntime-node';

/** onnxruntime's graph optimisation levels. */
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'layout' | 'all';

/** What the session is built with (plain data: it crosses to a session thread). */
export interface OnnxSessionSettings {
  readonly intraOpNumThreads?: number;
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
}

/** The one place onnxruntime's session options are made: CPU, sequential, intra-op threads = the cores by default. */
export function onnxSessionOptions(settings: OnnxSessionSettings): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: settings.graphOptimizationLevel ?? 'all',
    intraOpNumThreads: settings.intraOpNumThreads ?? Math.max(1, availableParallelism()),
    // One image at a time per session: parallelism comes from the threads inside each operator.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
  };
}

/** The runtime's name for reports, e.g. `onnxruntime-node 1.30.0`. */
export const ONNX_RUNTIME_NAME = `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}`;

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** What a session answers after `dispose()`, on either thread. */
export function sessionDisposedError(): BlurgateError {
  return new BlurgateError(
    'DISPOSED',
    'this model session was disposed; load the model again with runtime.loadModel()',
  );
}

/** A failed run as core's typed error (blurgate's own errors pass through). */
function runFailed(cause: unknown): BlurgateError {
  if (cause instanceof BlurgateError) return cause;
  return new ModelError(
    'RUNTIME_FAILED',
    `ONNX Runtime could not run the model (check that the input is NCHW float32 with the model's channel count): ${describe(cause)}`,
    { cause },
  );
}

/** core's {@link ModelSession} over one onnxruntime-node session. */
export class OnnxModelSession implements ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputChannels: 3 | 4;
  readonly #session: ort.InferenceSession;
  #disposed = false;

  constructor(session: ort.InferenceSession) {
    this.#session = session;
    this.inputNames = [...session.inputNames];
    this.outputNames = [...session.outputNames];
    this.inputChannels = readInputChannels(session.inputMetadata[0]);
  }

  async run(input: Float32Array, dims: TensorDims): Promise<Float32Array> {
    if (this.#disposed) throw sessionDisposedError();
    let results: ort.InferenceSession.ReturnType;
    try {
      const feeds = { [this.inputNames[0]]: new ort.Tensor('float32', input, [...dims]) };
      results = await this.#session.run(feeds);
    } catch (cause) {
      throw runFailed(cause);
    }
    const output = results[this.outputNames[0]];
    if (!output || !(output.data instanceof Float32Array)) {
      throw new ModelError('RUNTIME_FAILED', `model output ${this.outputNames[0]} is not a float32 tensor`);
    }
    return output.data;
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#session.release();
  }
}

/**
 * Loads ONNX bytes into an onnxruntime-node session.
 *
 * @throws ModelError('UNSUPPORTED_MODEL') when ONNX Runtime cannot load the bytes or the input is not 3 or 4 channels.
 */
export async function loadOnnxSession(
  modelBytes: Uint8Array,
  settings: OnnxSessionSettings,
): Promise<OnnxModelSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelBytes, onnxSessionOptions(settings));
  } catch (cause) {
    throw new ModelError('UNSUPPORTED_MODEL', `ONNX Runtime cannot load the model: ${describe(cause)}`, { cause });
  }
  try {
    return new OnnxModelSession(session);
  } catch (error) {
    await session.release();
    throw error;
  }
}
