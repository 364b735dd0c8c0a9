import { type InferenceRuntime, type ModelSession, OptionError } from '@blurgate/core';
import {
  type GraphOptimizationLevel,
  loadOnnxSession,
  ONNX_RUNTIME_NAME,
  type OnnxSessionSettings,
} from './onnx-session.js';
import { loadSessionThread } from './session-thread.js';

/** Where a session runs: on the thread that calls it, or on a worker thread of its own. */
export type SessionThread = 'main' | 'worker';

export interface OnnxRuntimeOptions {
  /** Threads inside one operator; default: the machine's available parallelism. */
  readonly intraOpNumThreads?: number;
  /** ONNX Runtime graph optimisation; default `all`. */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * `main` (default): each session runs on the thread that calls `run`, which onnxruntime-node holds until the run
   * ends. `worker`: each `loadModel` starts one worker thread that owns that session; `run` posts the input there
   * and the calling thread stays free meanwhile (e.g. to build the next TTA scale). Same options, same numbers.
   * An idle session thread does not keep the process alive; `dispose()` ends it.
   */
  readonly sessionThread?: SessionThread;
}

/**
 * The onnxruntime-node implementation of core's {@link InferenceRuntime}: CPU, full graph
 * optimisation, intra-op threads = available parallelism. Create one session per model and reuse it;
 * input sizes are dynamic, so one session serves every TTA scale.
 *
 * @param options - `intraOpNumThreads`, `graphOptimizationLevel`, `sessionThread` (`main` or `worker`).
 * @returns the runtime; its sessions throw `DISPOSED` when run after `dispose()`.
 * @throws {@link OptionError} for a `sessionThread` other than `main` or `worker`, or a bad `intraOpNumThreads`.
 * @example
 * const runtime = createOnnxRuntime({ intraOpNumThreads: 1, sessionThread: 'worker' });
 * const session = await runtime.loadModel(bytes);
 */
export function createOnnxRuntime(options: OnnxRuntimeOptions = {}): InferenceRuntime {
  const { sessionThread = 'main', intraOpNumThreads, graphOptimizationLevel } = options;
  if (sessionThread !== 'main' && sessionThread !== 'worker') {
    throw new OptionError(`sessionThread must be 'main' or 'worker', got ${String(sessionThread)}`);
  }
  if (intraOpNumThreads !== undefined && (!Number.isInteger(intraOpNumThreads) || intraOpNumThreads < 1)) {
    throw new OptionError(`intraOpNumThreads must be a positive whole number, got ${String(intraOpNumThreads)}`);
  }
  const settings: OnnxSessionSettings = { intraOpNumThreads, graphOptimizationLevel };
  return {
    name: sessionThread === 'worker' ? `${ONNX_RUNTIME_NAME} (session thread)` : ONNX_RUNTIME_NAME,
    loadModel(modelBytes: Uint8Array): Promise<ModelSession> {
      return sessionThread === 'worker'
        ? loadSessionThread(modelBytes, settings)
        : loadOnnxSession(modelBytes, settings);
    },
  };
}
