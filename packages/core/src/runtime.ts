/**
 * The inference runtime contract. Core never imports onnxruntime: `@blurgate/node` implements this
 * with onnxruntime-node and `@blurgate/web` with onnxruntime-web (the same split as onnxruntime's own
 * `js/common` backend interface), and the caller passes the runtime in.
 */

/** NCHW dimensions of a float32 input batch. */
export type TensorDims = readonly [batch: number, channels: number, height: number, width: number];

/** A loaded model, ready to run. */
export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /**
   * Channels the model's first input expects: 4 when FreqAux is computed by core and
   * appended to RGB, 3 when the FreqAux step is inside the graph.
   */
  readonly inputChannels: 3 | 4;
  /**
   * True when `run` leaves the calling thread free while the model runs (e.g. node's `sessionThread: 'worker'`).
   * Then core builds each further TTA scale's input beside the previous scale's run; otherwise (absent or false,
   * a session that holds the calling thread while it runs) it builds every scale of an image before the first run,
   * which is cheaper when another image's preprocessing could come in between.
   */
  readonly runsOffThread?: boolean;
  /**
   * Runs one NCHW float32 batch and returns the logits, `[batch, 2]` row-major
   * (index 0 = sharp, index 1 = blurred). The session must not read or keep `input` once the returned promise has
   * settled: classifiers give the array back to their preprocessor then, to be refilled for the next image.
   */
  run(input: Float32Array, dims: TensorDims): Promise<Float32Array>;
  /** Frees native resources. The session must not be used afterwards. */
  dispose(): Promise<void>;
}

/** Creates sessions from model bytes (ONNX). */
export interface InferenceRuntime {
  /** For reports, e.g. `onnxruntime-node 1.23.0`. */
  readonly name: string;
  loadModel(modelBytes: Uint8Array): Promise<ModelSession>;
}
