import { availableParallelism } from 'node:os';
import {
  type InferenceRuntime,
  ModelError,
  type ModelSession,
  readInputChannels,
  type TensorDims,
} from '@blurgate/core';
import * as ort from 'onnxruntime-node';

export interface OnnxRuntimeOptions {
  /** Threads inside one operator; default: the machine's available parallelism. */
  readonly intraOpNumThreads?: number;
  /** ONNX Runtime graph optimisation; default `all`. */
  readonly graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

class OnnxModelSession implements ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputChannels: 3 | 4;
  readonly #session: ort.InferenceSession;

  constructor(session: ort.InferenceSession) {
    this.#session = session;
    this.inputNames = [...session.inputNames];
    this.outputNames = [...session.outputNames];
    this.inputChannels = readInputChannels(session.inputMetadata[0]);
  }

  async run(input: Float32Array, dims: TensorDims): Promise<Float32Array> {
    const feeds = { [this.inputNames[0]]: new ort.Tensor('float32', input, [...dims]) };
    const results = await this.#session.run(feeds);
    const output = results[this.outputNames[0]];
    if (!output || !(output.data instanceof Float32Array)) {
      throw new ModelError('RUNTIME_FAILED', `model output ${this.outputNames[0]} is not a float32 tensor`);
    }
    return output.data;
  }

  async dispose(): Promise<void> {
    await this.#session.release();
  }
}

/**
 * The onnxruntime-node implementation of core's {@link InferenceRuntime}: CPU, full graph
 * optimisation, intra-op threads = available parallelism. Create one session per model and reuse it;
 * input sizes are dynamic, so one session serves every TTA scale.
 */
export function createOnnxRuntime(options: OnnxRuntimeOptions = {}): InferenceRuntime {
  const intraOpNumThreads = options.intraOpNumThreads ?? Math.max(1, availableParallelism());
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    intraOpNumThreads,
    // One image at a time per session: parallelism comes from the threads inside each operator.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
  };
  return {
    name: `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common}`,
    async loadModel(modelBytes: Uint8Array): Promise<ModelSession> {
      let session: ort.InferenceSession;
      try {
        session = await ort.InferenceSession.create(modelBytes, sessionOptions);
      } catch (cause) {
        throw new ModelError('UNSUPPORTED_MODEL', `ONNX Runtime cannot load the model: ${describe(cause)}`, { cause });
      }
      try {
        return new OnnxModelSession(session);
      } catch (error) {
        await session.release();
        throw error;
      }
    },
  };
}
